import CCurses
import Foundation

/// The thin layer between the cell grid and the terminal: starts and ends curses, maps theme roles
/// to colour pairs (256, 8 or no colours; none with NO_COLOR), copies a grid to the screen and
/// decodes keys.
final class CursesTerminal {
    /// Colours the terminal has (0 when colour is off).
    private(set) var colors = 0
    private var attributes: [ThemeRole: Int32] = [:]

    // ncurses' attribute bits (its macros are not visible to Swift).
    private static let bold: Int32 = 1 << 21, reverse: Int32 = 1 << 18

    /// Takes over the terminal.
    func start() {
        setlocale(LC_ALL, "")
        initscr()
        raw()
        noecho()
        keypad(stdscr, true)
        curs_set(0)
        set_escdelay(25)
        timeout(100)
        if ProcessInfo.processInfo.environment["NO_COLOR"].map({ !$0.isEmpty }) != true, has_colors() {
            start_color()
            use_default_colors()
            colors = Int(COLORS)
        }
    }

    // ncurses' mouse masks (function-like macros, not visible to Swift; mouse version 2).
    private static let button1Pressed: mmask_t = 0o2, button1Clicked: mmask_t = 0o4
    private static let wheelUp: mmask_t = 0o2 << 15, wheelDown: mmask_t = 0o2 << 20

    /// Reports clicks and the wheel as keys (`on`), or leaves the mouse to the terminal, which then
    /// selects text as usual.
    func enableMouse(_ on: Bool) {
        _ = mousemask(on ? Self.button1Pressed | Self.button1Clicked | Self.wheelUp | Self.wheelDown : 0, nil)
        _ = mouseinterval(0)
    }

    /// Gives the terminal back.
    func stop() {
        endwin()
    }

    /// Columns and rows, following the terminal when it changed size (curses learns of it only
    /// when its SIGWINCH handler runs on the thread that reads keys, which a background thread may
    /// prevent, so the size is asked of the terminal itself).
    var size: (width: Int, height: Int) {
        var window = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0,
           Int32(window.ws_col) != getmaxx(stdscr) || Int32(window.ws_row) != getmaxy(stdscr) {
            resizeterm(Int32(window.ws_row), Int32(window.ws_col))
        }
        return (Int(getmaxx(stdscr)), Int(getmaxy(stdscr)))
    }

    /// Sets up one colour pair per role. Without colours, roles with a background are shown reversed.
    func apply(_ theme: Theme) {
        for (index, role) in ThemeRole.allCases.enumerated() {
            let style = theme.style(role)
            var attribute: Int32 = (style.bold ? Self.bold : 0) | (style.reverse ? Self.reverse : 0)
            if colors > 0 {
                init_pair(Int16(index + 1), Int16(style.foreground.index(colors: colors)), Int16(style.background.index(colors: colors)))
                attribute |= Int32(index + 1) << 8
            } else if style.background != .terminalDefault {
                attribute |= Self.reverse
            }
            attributes[role] = attribute
        }
    }

    /// Copies the grid to the screen, one run of same-role cells at a time.
    func draw(_ grid: Grid) {
        erase()
        for y in 0 ..< grid.height {
            var x = 0
            while x < grid.width {
                let role = grid[x, y].role
                var run = ""
                let start = x
                while x < grid.width, grid[x, y].role == role {
                    run.append(grid[x, y].character)
                    x += 1
                }
                attrset(attributes[role] ?? 0)
                mvaddstr(Int32(y), Int32(start), run)
            }
        }
        attrset(0)
        refresh()
    }

    /// Whether the terminal has gone away (its window closed, the ssh link dropped): standard input
    /// reports a hang-up or an error, and `readKey` would return nil at once, forever.
    var isHungUp: Bool {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) >= 0 else { return true }
        return descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// The next key, or nil when none came within 100 ms.
    func readKey() -> Key? {
        var code: wint_t = 0
        let result = get_wch(&code)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            switch Int32(code) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_ENTER: return .enter
            case KEY_RESIZE: return .resize
            case KEY_MOUSE:
                var event = MEVENT()
                guard getmouse(&event) == OK else { return nil }
                let x = Int(event.x), y = Int(event.y)
                if event.bstate & Self.wheelUp != 0 { return .mouse(MouseEvent(.wheelUp, x: x, y: y)) }
                if event.bstate & Self.wheelDown != 0 { return .mouse(MouseEvent(.wheelDown, x: x, y: y)) }
                if event.bstate & (Self.button1Pressed | Self.button1Clicked) != 0 { return .mouse(MouseEvent(.click, x: x, y: y)) }
                return nil
            default: return nil
            }
        }
        switch code {
        case 3: return .interrupt
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default: return Unicode.Scalar(UInt32(code)).map { .character(Character($0)) }
        }
    }
}
