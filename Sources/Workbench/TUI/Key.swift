/// A key press as the TUI understands it, decoded from curses.
public enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, backspace, delete, tab, escape
    /// Ctrl-C: stops a run, or closes what is open.
    case interrupt
    /// The terminal changed size.
    case resize
}
