extension TUIState {
    /// Plays the next line of the first script being replayed (`--replay`, `source`); returns
    /// whether a line ran. A script is done, and the message row says `replayed FILE`, only once
    /// what its last line started (a training run, a generation) has ended too; a failed line ends
    /// it at once, with the reason.
    @discardableResult
    func playScripts(_ controller: Controller) -> Bool {
        guard let player = scripts.first else { return false }
        let ran = player.advance(controller)
        if player.isDone, player.failure != nil || !controller.isBusy {
            scripts.removeFirst()
            message = player.failure.map { "✗ replay stopped: \($0)" } ?? "replayed \(player.script.path)"
        }
        return ran
    }
}
