import Foundation
import Tokenizers

/// The examples a recipe's data makes: the training examples and the evaluation ones (from
/// `eval_data`, else the last `eval_split` of the training examples), the same for a training run
/// and for the workbench's `eval`. Text needs the tokenizer, which is loaded only then; chat data is
/// rendered through the recipe's `chat_template` file or the template of the tokenizer folder.
public struct RecipeExamples {
    public let train: TrainingExamples
    public let evaluation: TrainingExamples?
    /// The tokenizer, when the data needed one (pre-tokenised data does not).
    public let tokenizer: Tokenizer?
    /// How the data was made into examples, where that needs saying (chat data: which tokens the loss is on).
    public let notes: [String]

    /// The padding id of batches: the tokenizer's pad token, else its end of sequence, else 0.
    public var padId: Int { tokenizer?.padTokenId ?? tokenizer?.eosTokenId ?? 0 }

    /// `tokenizer` is called, with what needs it ("training on notes.txt"), only when the data is
    /// text rather than token ids. The chat template comes from `tokenizerDirectory`.
    public init(recipe: Recipe, tokenizer: (String) throws -> Tokenizer, tokenizerDirectory: URL) throws {
        var loaded: Tokenizer?
        func load(for data: String) throws -> Tokenizer {
            if let loaded { return loaded }
            let made = try tokenizer("training on \(data)")
            loaded = made
            return made
        }
        var template: ChatTemplate?
        func chatTemplate() throws -> ChatTemplate {
            if let template { return template }
            let file = recipe.chatTemplate.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }
            let made: ChatTemplate
            do {
                made = try ChatTemplate(directory: tokenizerDirectory, templateFile: file)
            } catch let error as TokenizerError {
                throw DataError("chat data (records with \"messages\") is rendered through a chat template: \(error); "
                    + "set the recipe's chat_template to a Jinja file, or use a tokenizer folder that has a template")
            }
            template = made
            return made
        }
        func examples(_ data: String, classNames: [String]? = nil) throws -> TrainingExamples {
            try TrainingExamples(DataRecords(data), tokenizer: { try load(for: data) }, seqLen: recipe.seqLen, classNames: classNames,
                                 chatTemplate: chatTemplate, assistantOnlyLoss: recipe.assistantOnlyLoss, name: data)
        }
        var train = try examples(recipe.data)
        if let evalData = recipe.evalData {
            evaluation = try examples(evalData, classNames: train.classNames)
        } else if recipe.evalSplit > 0 {
            evaluation = try train.holdOut(fraction: recipe.evalSplit)
        } else {
            evaluation = nil
        }
        self.train = train
        self.tokenizer = loaded
        notes = train.notes + (evaluation?.notes ?? []).filter { !train.notes.contains($0) }
    }
}
