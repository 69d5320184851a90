/// A key press (or a mouse event) as the TUI understands it, decoded from curses.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, backspace, delete, tab, escape
    /// Ctrl-C: stops a run, or closes what is open.
    case interrupt
    /// The terminal changed size.
    case resize
    /// A click or a turn of the wheel at a cell of the screen.
    case mouse(MouseEvent)
}

/// A mouse event at a cell (column `x`, row `y`, from the top left).
public struct MouseEvent: Equatable, Sendable {
    public enum Action: Equatable, Sendable { case click, wheelUp, wheelDown }

    public var action: Action
    public var x: Int
    public var y: Int

    public init(_ action: Action, x: Int, y: Int) {
        self.action = action
        self.x = x
        self.y = y
    }
}
