import Foundation

/// One editable row of the config form: a field of the adapter config (`config set`) or a training
/// setting (`recipe set`). The form lists the method's fields, then the settings under a heading.
public enum FormRow: Equatable, Sendable {
    case config(ConfigField)
    case setting(TrainingSettings.Field)

    public var key: String {
        switch self {
        case let .config(field): return field.key
        case let .setting(field): return field.key
        }
    }

    /// The form's rows for the controller's method.
    static func all(_ controller: Controller) -> [FormRow] {
        controller.draft.method.fields.map(FormRow.config) + TrainingSettings.formFields.map(FormRow.setting)
    }

    /// The value as the form shows it.
    func shown(_ controller: Controller) -> String {
        switch self {
        case let .config(field): return ConfigCommands.displayValue(of: field.key, controller: controller)
        case let .setting(field): return controller.training.value(of: field.key) ?? "(recipe default)"
        }
    }

    /// Whether the value differs from the default (PEFT's, or the workbench's for a setting).
    func isChanged(_ controller: Controller) -> Bool {
        switch self {
        case let .config(field): return ConfigCommands.isChanged(field.key, controller: controller)
        case let .setting(field): return controller.training.isChanged(field.key)
        }
    }

    /// The text the field's editor starts with.
    func editText(_ controller: Controller) -> String {
        switch self {
        case let .config(field) where field.key == "target_modules": return controller.rules.entries.joined(separator: " ")
        case let .config(field) where field.key == "exclude_modules": return controller.rules.excluded.joined(separator: " ")
        case let .config(field): return controller.draft.value(of: field.key)
        case let .setting(field): return controller.training.value(of: field.key) ?? ""
        }
    }

    /// The command line that sets the field to `text` as typed.
    func setCommand(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case let .config(field): return "config set \(field.key) \(trimmed.isEmpty ? "null" : trimmed)"
        case let .setting(field): return "recipe set " + CommandWords.quoted("\(field.key)=\(trimmed)")
        }
    }

    /// The command line that takes the field back to its default.
    var unsetCommand: String {
        switch self {
        case let .config(field): return "config unset \(field.key)"
        case let .setting(field): return "recipe unset \(field.key)"
        }
    }

    /// Why the command would refuse `text` typed into this field, or nil when it takes it.
    func problem(typed text: String, controller: Controller) -> String? {
        switch self {
        case let .config(field):
            do {
                _ = try ConfigCommands.change(field.key, words: try ConfigDraft.words(typed: text), controller: controller, command: "config set")
                return nil
            } catch let error as CommandError {
                return error.message
            } catch {
                return "\(error)"
            }
        case let .setting(field):
            return controller.training.problem(setting: field.key, to: text.trimmingCharacters(in: .whitespaces))
        }
    }

    /// The help line the form shows under the list.
    func help(_ controller: Controller) -> String {
        switch self {
        case let .config(field): return "\(field.key): \(field.help) (default \(field.defaultValue))"
        case let .setting(field):
            return "\(field.key): \(field.help) (default \(TrainingSettings.defaults[field.key] ?? "the recipe's")) · recipe set/show"
        }
    }
}
