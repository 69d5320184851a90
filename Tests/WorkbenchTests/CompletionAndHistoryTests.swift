import Foundation
import Testing
@testable import Workbench

/// Path completion of short paths (a one-character path crashed NSString's path methods) and the
/// history file, appended to line by line by several sessions at once.
@Suite struct CompletionAndHistoryTests {
    @Test func aOneCharacterPathCompletesFromTheCurrentFolder() throws {
        let session = try TestSession()
        let completer = Completer(controller: session.controller)
        let here = try FileManager.default.contentsOfDirectory(atPath: ".").filter { !$0.hasPrefix(".") }
        for letter in ["r", "m", "S", "z"] {
            let expected = here.filter { $0.hasPrefix(letter) }.map { name -> String in
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory)
                return name + (isDirectory.boolValue ? "/" : "")
            }.sorted()
            #expect(completer.candidates(for: "data load \(letter)") == expected)
            #expect(completer.candidates(for: "source \(letter)") == expected)
        }
        #expect(completer.candidates(for: "source ~") == ["~/"])
        #expect(completer.candidates(for: "source /") == Completer.paths("/").sorted())
        #expect(Completer.paths("/").contains("/tmp/"))
    }

    @Test func pathsUnderAFolderKeepTheFolderAsTyped() throws {
        let session = try TestSession()
        try FileManager.default.createDirectory(at: session.folder.appendingPathComponent("runs/a-1"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: session.folder.appendingPathComponent("r.lks").path, contents: Data())
        #expect(Completer.paths(session.folder.path + "/r").sorted() == [session.folder.path + "/r.lks", session.folder.path + "/runs/"])
        #expect(Completer.paths(session.folder.path + "/runs/") == [session.folder.path + "/runs/a-1/"])
        #expect(Completer.paths("~/x", home: session.folder.path) == [])
        #expect(Completer.paths("~/ru", home: session.folder.path) == ["~/runs/"])
    }

    @Test func linesAreKeptAsTheyAreEnteredAndTwoSessionsKeepEachOthersLines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("lorakit/history")
        let tui = HistoryFile(url: url), repl = HistoryFile(url: url)
        tui.append("load builtin:tiny-llama")
        #expect(HistoryFile(url: url).load() == ["load builtin:tiny-llama"])
        repl.append("target add k_proj")
        tui.append("  ")
        tui.append("train max_steps=10")
        #expect(repl.load() == ["load builtin:tiny-llama", "target add k_proj", "train max_steps=10"])
    }

    @Test func theHistoryIsCutToItsNewestLinesWhenItGrowsTooLong() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let history = HistoryFile(url: folder.appendingPathComponent("history"))
        for index in 0 ..< 2 * HistoryFile.limit { history.append("info \(index)") }
        let lines = history.load()
        #expect(lines.count == HistoryFile.limit)
        #expect(lines.last == "info \(2 * HistoryFile.limit - 1)")
    }
}
