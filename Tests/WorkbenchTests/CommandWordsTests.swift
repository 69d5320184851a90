import Testing
import Workbench

@Suite struct CommandWordsTests {
    @Test func splitsOnSpacesAndKeepsQuotedSpaces() throws {
        #expect(try CommandWords.split("config set target_modules 'q_proj v_proj'") ==
            ["config", "set", "target_modules", "q_proj v_proj"])
        #expect(try CommandWords.split("generate \"Once upon\" max_new_tokens=5") ==
            ["generate", "Once upon", "max_new_tokens=5"])
    }

    @Test func commentsAndBlankLinesGiveNoWords() throws {
        #expect(try CommandWords.split("   ") == [])
        #expect(try CommandWords.split("# a comment") == [])
        #expect(try CommandWords.split("train  # steps=5") == ["train"])
        #expect(try CommandWords.split("find a#b") == ["find", "a#b"])
    }

    @Test func escapesAndUnterminatedQuotes() throws {
        #expect(try CommandWords.split(#"load my\ model"#) == ["load", "my model"])
        #expect(throws: CommandWords.UnterminatedQuote.self) { try CommandWords.split("load 'oops") }
    }
}
