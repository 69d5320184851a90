import Foundation
import Training

/// What the TUI shows besides the controller's state: focus, the tree's cursor and folds, open
/// editors and overlays, plot options, the rank scrubber. Keys change it; screens read it.
public final class TUIState {
    /// The pane that takes the keys.
    public enum Focus: CaseIterable, Sendable { case tree, config, training, log }

    public var focus = Focus.tree
    public var tree = TreeView()
    /// The config form's selected row (`FormRow.all`).
    public var configCursor = 0
    /// The form row being edited, with its editor.
    public var fieldEditor: (row: FormRow, editor: LineEditor)?
    /// The `:` command line, while open.
    public var commandLine: LineEditor?
    /// The `/` search line, while open.
    public var searchLine: LineEditor?
    /// Whether the search line searches the log (else the module tree).
    public var searchingLog = false
    /// The log's scroll position, pager and search.
    public var log = LogView()
    /// The width and height of the log's rows as last drawn (the pager's when it is open), so keys
    /// scroll by a page.
    var logGeometry = (width: 60, height: 3)
    /// Where the last frame put its panes and rows (for the mouse).
    var hits = HitMap()
    public var lastSearch = ""
    public var showHelp = false
    /// The question asked before quitting (a run is going, adapters are not saved), while asked.
    public var confirmingQuit: String?
    public var logScale = false
    /// The smoothing factor of the loss curve (0 shows the raw losses only).
    public var smoothing = 0.6
    /// The tree's share of the screen's width, in percent (`<` `>`).
    public var treeWidth = 36
    /// Whether clicks and the wheel come to the TUI (`m`; off, the terminal selects text).
    public var mouse = true
    /// The step the loss plot's cursor is on (nil: none; the stats show the latest step).
    public var plotCursor: Int?
    /// The loss plot shows the last `TrainingPane.zoomSteps` steps only.
    public var plotZoom = false
    /// The rank view replaces the training pane.
    public var showRanks = false
    /// The adapter inspector (`i`), shown in the training pane's place.
    public var inspector = InspectorViewState()
    /// The allocation the rank scrubber is on (nil: the latest).
    public var rankIndex: Int?
    /// A one-line message for the command-line row (the last error, a hint).
    public var message: String?
    /// Session scripts being replayed (`--replay`, `source`), a line per frame; `x` aborts them.
    public var scripts: [SessionPlayer] = []
    /// Commands entered at the `:` line this session and before (from the history file).
    public var history: [String] = []
    private var syncedRevision = -1
    private var syncedModel: ObjectIdentifier?
    /// The adapter layers' names and types when the tree was last built (a method switch keeps
    /// their number but changes their types).
    private var syncedAdapterLayers: String?
    private var rankCache: (url: URL, size: Int, history: RankHistory)?
    private var runCache: [URL: (size: Int, record: RunRecord)] = [:]

    /// The runs overlaid on the loss plot, re-read when their metrics files grew.
    func comparedRuns(_ controller: Controller) -> [RunRecord] {
        controller.comparedRuns.compactMap { folder in
            let url = folder.appendingPathComponent("metrics.jsonl")
            let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? -1
            if let cached = runCache[folder], cached.size == size { return cached.record }
            guard let record = try? RunRecord(folder: folder) else { return nil }
            runCache[folder] = (size, record)
            return record
        }
    }

    public init() {}

    /// The preferences as the screen now has them, with the controller's theme.
    func preferences(theme: String) -> Preferences {
        var preferences = Preferences()
        (preferences.theme, preferences.smoothing, preferences.logScale, preferences.treeWidth, preferences.mouse) = (theme, smoothing, logScale, treeWidth, mouse)
        return preferences
    }

    /// Takes the kept preferences (not the theme, which the controller holds).
    func apply(_ preferences: Preferences) {
        (smoothing, logScale, treeWidth, mouse) = (preferences.smoothing, preferences.logScale, preferences.treeWidth, preferences.mouse)
    }

    /// Rebuilds the tree when the model or its adapter layers changed.
    func sync(with controller: Controller) {
        guard controller.revision != syncedRevision || tree.foldingChanged else { return }
        syncedRevision = controller.revision
        guard let workspace = controller.workspace else {
            tree = TreeView()
            syncedModel = nil
            return
        }
        let model = ObjectIdentifier(workspace.model)
        let layers = workspace.peft?.adapterLayers.map { $0.name + " " + $0.layer.typeName }.joined(separator: ",") ?? ""
        guard model != syncedModel || layers != syncedAdapterLayers || tree.foldingChanged else { return }
        if model != syncedModel { tree = TreeView() }
        syncedModel = model
        syncedAdapterLayers = layers
        tree.rebuild(workspace.outline(folds: tree.folds))
    }

    /// The rank allocations of the run the rank view shows, re-read when its metrics file grew.
    func rankHistory(for controller: Controller) -> RankHistory? {
        guard let folder = controller.rankFolder ?? controller.job?.outputDirectory else { return nil }
        let url = folder.appendingPathComponent("metrics.jsonl")
        let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? -1
        if let cache = rankCache, cache.url == url, cache.size == size { return cache.history }
        guard let history = try? RankHistory(runDirectory: folder) else { return nil }
        rankCache = (url, size, history)
        return history
    }
}
