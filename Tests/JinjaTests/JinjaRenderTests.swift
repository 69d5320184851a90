import Foundation
import Jinja
import Testing

/// Rendering as Jinja2 renders in transformers' chat-template environment: every template of
/// `Tests/Fixtures/jinja_reference/cases.json` (made by scripts/jinja-reference.py with Jinja2)
/// gives the text Jinja2 gave.
@Suite struct JinjaRenderTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        let name: String
        let source: String
        let expected: String
        var testDescription: String { name }
    }

    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/jinja_reference/cases.json")

    static let cases: [Case] = (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: file))) ?? []

    /// The variables of case `name`, read with their members in file order.
    static func variables(_ name: String) throws -> [String: Value] {
        guard case let .array(all) = try Value.parsingJSON(Data(contentsOf: file)),
              let entry = all.first(where: { if case let .object(members) = $0, case .string(name)? = members["name"] { return true }; return false }),
              case let .object(members) = entry, case let .object(variables)? = members["variables"] else { return [:] }
        return Dictionary(uniqueKeysWithValues: variables.members)
    }

    @Test func referenceCasesAreThere() {
        #expect(Self.cases.count >= 25)
    }

    @Test(arguments: cases) func rendersAsJinja2(_ reference: Case) throws {
        #expect(try Template(reference.source).render(Self.variables(reference.name)).text == reference.expected)
    }

    @Test func raiseExceptionGivesItsMessage() {
        #expect(throws: TemplateError.raised(message: "stop here")) {
            try Template("a{{ raise_exception('stop here') }}b").render([:])
        }
    }

    @Test func attributeOfUndefinedFails() {
        #expect(throws: TemplateError.runtime(message: "'x' is undefined")) { try Template("{{ x.y }}").render([:]) }
    }

    @Test func mismatchedTypesFail() {
        #expect(throws: TemplateError.runtime(message: "unsupported operand types for +: 'int' and 'str'")) {
            try Template("{{ 1 + 'a' }}").render([:])
        }
    }

    @Test(arguments: ["{% if %}", "{% for x in %}", "{% endfor %}", "{{ (1 }}", "{% if true %}open", "{{ 'unterminated }}", "{% frobnicate %}"])
    func syntaxErrorsAreReported(_ source: String) {
        #expect(throws: TemplateError.self) { try Template(source) }
    }

    @Test func syntaxErrorNamesTheLine() {
        #expect(throws: TemplateError.syntax(message: "unknown statement \"frobnicate\" (supported: if, for, set, macro, call, filter, generation, break, continue, raw)", line: 3)) {
            try Template("a\nb\n{% frobnicate %}")
        }
    }

    @Test func generationBlocksRecordTheirSpans() throws {
        let template = try Template("ab{% generation %}cdé{% endgeneration %}f{% generation %}{% endgeneration %}")
        #expect(template.hasGenerationBlock)
        let rendered = try template.render([:])
        #expect(rendered.text == "abcdéf")
        #expect(rendered.generationSpans == [2..<5, 6..<6])
    }

    @Test func namespaceRefusesPrivateNames() {
        #expect(throws: TemplateError.self) { try Template("{% set ns = namespace(_x=1) %}").render([:]) }
    }
}
