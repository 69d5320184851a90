/// PEFT's `TaskType`: the task an adapter config is for (`task_type`), which decides, for example,
/// whether a classifier head is saved with the adapter.
public enum TaskType: String, CaseIterable, Equatable, Sendable {
    case sequenceClassification = "SEQ_CLS"
    case seq2SeqLM = "SEQ_2_SEQ_LM"
    case causalLM = "CAUSAL_LM"
    case tokenClassification = "TOKEN_CLS"
    case questionAnswering = "QUESTION_ANS"
    case featureExtraction = "FEATURE_EXTRACTION"

    /// The task type PEFT spells `text`, or an error listing the ones it accepts (as PEFT refuses
    /// an invalid task type).
    init(field: String, text: String) throws {
        guard let type = TaskType(rawValue: text) else {
            throw TunerError.invalidValue(field: field, reason: "\"\(text)\" is not a PEFT task type; use one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")) or null")
        }
        self = type
    }
}
