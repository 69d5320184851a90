import FixtureSupport
import Foundation
import JSON
import Jinja
import Testing

/// Random and damaged templates and JSON, with fixed seeds: each must parse and render or throw a
/// `TemplateError` (a `JSONParser.Failure` for JSON), never crash or hang.
@Suite struct JinjaFuzzTests {
    private struct Outcomes {
        var rendered = 0
        var refused = 0
    }

    private static let variables: [String: Value] = [
        "messages": .array([
            .object(Value.Dictionary([("role", .string("system")), ("content", .string(" Be brief. "))])),
            .object(Value.Dictionary([("role", .string("user")), ("content", .string("Hi"))])),
            .object(Value.Dictionary([("role", .string("assistant")), ("content", .string("Hello!"))])),
        ]),
        "add_generation_prompt": .bool(true), "bos_token": .string("<s>"), "eos_token": .string("</s>"), "tools": .none,
    ]

    private func exercise(_ source: String, _ outcomes: inout Outcomes, _ label: @autoclosure () -> String) {
        do {
            let rendered = try Template(source).render(Self.variables)
            for span in rendered.generationSpans where span.upperBound > rendered.text.unicodeScalars.count {
                Issue.record("\(label()): generation span \(span) outside the text")
            }
            outcomes.rendered += 1
        } catch is TemplateError {
            outcomes.refused += 1
        } catch {
            Issue.record("\(label()): unexpected error type \(error)")
        }
    }

    /// The pieces random templates are made of.
    private static let fragments = [
        "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", " if ", " for ", " in ", " endif ", " endfor ", " else ",
        " elif ", " set ", " = ", " macro ", " endmacro ", " generation ", " endgeneration ", " namespace(", ")", "(", "[", "]",
        "{", "}", ",", ":", ".", "|", " is ", " not ", " and ", " or ", "+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "'",
        "\"", "'a'", "1", "2.5", "x", "messages", "message", "loop", ".index0", "['role']", " trim", " tojson", " length",
        " defined", " none", "raise_exception('no')", "\n", "  ", "text", "[1:]", "[::-1]", "range(3)", " break ", " continue ",
    ]

    @Test func randomTemplates() {
        var random = FuzzRandom(seed: 17)
        var outcomes = Outcomes()
        for round in 0..<3000 {
            let source = (0..<Int.random(in: 1...24, using: &random)).map { _ in Self.fragments.randomElement(using: &random)! }.joined()
            exercise(source, &outcomes, "random template \(round): \(source.debugDescription)")
        }
        #expect(outcomes.rendered > 0 && outcomes.refused > 0)
    }

    /// The templates of the chat fixtures and the reference cases, damaged one to three times.
    @Test func damagedTemplates() throws {
        var sources = try JinjaRenderTests.cases.map(\.source)
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        for name in ["chat_chatml", "chat_llama3_style", "chat_gemma_style"] {
            let config = try Value.parsingJSON(Data(contentsOf: fixtures.appendingPathComponent("\(name)/tokenizer_config.json")))
            if case let .object(members) = config, case let .string(template)? = members["chat_template"] { sources.append(template) }
        }
        #expect(sources.count > 28)
        var random = FuzzRandom(seed: 23)
        var outcomes = Outcomes()
        for round in 0..<1500 {
            var scalars = Array(sources.randomElement(using: &random)!.unicodeScalars)
            for _ in 0..<Int.random(in: 1...3, using: &random) where !scalars.isEmpty {
                let index = Int.random(in: 0..<scalars.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: scalars.remove(at: index)
                case 1: scalars.insert(Self.fragments.randomElement(using: &random)!.unicodeScalars.first ?? "x", at: index)
                default: scalars[index] = ["{", "}", "%", "-", "'", "(", ")", "|", " ", "\n"].randomElement(using: &random)!
                }
            }
            let source = String(String.UnicodeScalarView(scalars))
            exercise(source, &outcomes, "damaged template \(round): \(source.debugDescription)")
        }
        #expect(outcomes.rendered > 0 && outcomes.refused > 0)
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        var outcomes = Outcomes()
        exercise("{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}", &outcomes, "parentheses")
        exercise("{{ " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + " }}", &outcomes, "lists")
        exercise(String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000), &outcomes, "blocks")
        exercise("{{ " + String(repeating: "not ", count: 5000) + "x }}", &outcomes, "nots")
        exercise("{{ " + String(repeating: "-", count: 5000) + "1 }}", &outcomes, "minus signs")
        exercise("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", &outcomes, "recursive macro")
        #expect(outcomes.refused == 6)
    }

    @Test func runawayLoopsStop() {
        var outcomes = Outcomes()
        exercise("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", &outcomes, "nested loops")
        exercise("{{ 'x' * 100000000 }}", &outcomes, "huge string")
        #expect(outcomes.refused == 2)
    }

    @Test func damagedJSON() {
        let original = Array(#"[{"role": "user", "content": "Hi \u00e9\n"}, {"role": "assistant", "content": null, "n": [1, 2.5e3, true]}]"#.utf8)
        var random = FuzzRandom(seed: 29)
        var read = 0, refused = 0
        for round in 0..<2000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                if Bool.random(using: &random) { bytes[index] = UInt8.random(in: 0...255, using: &random) } else { bytes.remove(at: index) }
            }
            do {
                _ = try Value.parsingJSON(bytes)
                read += 1
            } catch is JSONParser.Failure {
                refused += 1
            } catch {
                Issue.record("damaged JSON \(round): unexpected error \(error)")
            }
        }
        #expect(read > 0 && refused > 0)
        #expect(throws: JSONParser.Failure.self) { try Value.parsingJSON(Array(String(repeating: "[", count: 10000).utf8)) }
    }
}
