import Jinja
import Tensors
import Tokenizers

/// Conversations made into causal-LM examples through the model's chat template, as TRL's
/// `SFTTrainer` makes conversational data: the conversation rendered with no generation prompt,
/// encoded without the post-processor's special tokens (the template writes its own), cut to
/// `seq_len`. With `assistantOnly` (TRL's `assistant_only_loss`) labels are -100 outside the
/// assistant's turns, found as the template's `assistantMarking` says; a conversation with no
/// assistant token is refused, as TRL refuses it. Without, every token is a target.
struct ChatExamples {
    let template: ChatTemplate
    let tokenizer: Tokenizer
    let assistantOnly: Bool
    /// The dataset's name, for messages.
    let name: String

    /// The examples, and what the log should say about them.
    func make(_ conversations: [ChatConversation], seqLen: Int) throws -> (examples: [TrainingExample], notes: [String]) {
        var cut = 0
        let examples = try conversations.map { conversation -> TrainingExample in
            let example = try self.example(conversation)
            let kept = TrainingExample(ids: Array(example.ids.prefix(seqLen)), labels: Array(example.labels.prefix(seqLen)))
            if assistantOnly, !kept.labels.contains(where: { $0 != Tensor.ignoreIndex }) { cut += 1 }
            return kept
        }
        var notes = [assistantOnly
            ? "\(name): chat data through the model's chat template, loss on the assistant's tokens only: \(template.assistantMarking.explanation)"
            : "\(name): chat data through the model's chat template, loss on every token (assistant_only_loss is false)"]
        if cut > 0 {
            notes.append("\(name): \(cut) of \(conversations.count) conversations have no assistant token within seq_len \(seqLen), so they add nothing to the loss; raise seq_len")
        }
        return (examples, notes)
    }

    /// One conversation's ids and labels, uncut.
    func example(_ conversation: ChatConversation) throws -> TrainingExample {
        func failure(_ reason: String) -> DataError { DataError("\(name):\(conversation.line): \(reason)") }
        let text: String, spans: [Range<Int>]
        do {
            if assistantOnly {
                (text, spans) = try template.assistantSpans(messages: conversation.messages)
            } else {
                (text, spans) = (try template.render(messages: conversation.messages, addGenerationPrompt: false).text, [])
            }
        } catch let error as TemplateError {
            throw failure("the chat template refused the conversation: \(error)")
        } catch let error as ChatTemplate.AssistantSpanError {
            throw failure("\(error); or set assistant_only_loss: false to train on every token")
        }
        let encoding = tokenizer.encode(text, addSpecialTokens: false)
        guard assistantOnly else { return TrainingExample(ids: encoding.ids, labels: encoding.ids) }
        let masks = ChatTemplate.assistantMasks(spans: spans, offsets: encoding.offsets)
        guard masks.contains(1) else {
            throw failure("the conversation has no assistant tokens to train on (assistant_only_loss); give it an assistant message, or set assistant_only_loss: false")
        }
        return TrainingExample(ids: encoding.ids, labels: zip(encoding.ids, masks).map { $1 == 1 ? $0 : Tensor.ignoreIndex })
    }
}
