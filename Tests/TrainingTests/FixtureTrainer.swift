import FixtureSupport
import Foundation
import Models
import Training
import Tuners

/// The real `Trainer` set up as a PEFT training fixture ran: the case's optimizer and step count,
/// its one batch of inputs (labels = inputs), constant learning rate, no clipping, no shuffling,
/// over the trainable parameters of `peft`.
enum FixtureTrainer {
    static func make(_ fixture: FixtureCase, model: any PretrainedModel, peft: PeftModel) throws -> Trainer {
        let optimizer = fixture.caseInfo["optimizer"] as! [String: Any]
        let input = try fixture.input()
        let rows = (0 ..< input.batch).map { Array(input.ids[$0 * input.length ..< ($0 + 1) * input.length]) }
        let betas = (optimizer["betas"] as? [Double]) ?? [0.9, 0.999]
        let recipe = try Recipe(yaml: """
            model: unused
            data: unused
            output_dir: unused
            max_steps: \(fixture.caseInfo["steps"] as! Int)
            batch_size: \(input.batch)
            lr: \(optimizer["lr"] as! Double)
            optimizer: \((optimizer["type"] as! String).lowercased())
            betas: [\(betas[0]), \(betas[1])]
            eps: \((optimizer["eps"] as? Double) ?? 1e-8)
            weight_decay: \((optimizer["weight_decay"] as? Double) ?? 0)
            momentum: \((optimizer["momentum"] as? Double) ?? 0)
            schedule: constant
            max_grad_norm: 0
            shuffle: false
            """, source: "\(fixture.name) optimizer")
        return try Trainer(model: model, parameterGroups: [TrainableGroup(name: "all", parameters: try peft.trainableParameters.map { try $0.parameter.value() })],
                           recipe: recipe, train: TrainingExamples(tokenizedIds: rows, attentionMask: nil, labels: nil),
                           evaluation: nil, padId: 0)
    }
}
