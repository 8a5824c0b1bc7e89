//! User preferences kept across restarts (never review data).

/// Code font sizes in points.
pub const FONT_MIN: f32 = 8.0;
pub const FONT_MAX: f32 = 32.0;
pub const FONT_DEFAULT: f32 = 13.5;

/// User preferences kept across restarts (never review data).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub(crate) dark: bool,
    pub(crate) show_health: bool,
    /// Code font size in points (stored as tenths, to stay an integer in the settings file).
    pub(crate) font_tenths: u32,
    /// Long lines wrap at the width of the view instead of scrolling sideways (Alt+Z).
    pub wrap: bool,
    /// Annotation threads are drawn under the lines they are about.
    pub(crate) inline_threads: bool,
    /// The file tree (left) and the outline / annotations panel (right) are shown.
    pub(crate) show_tree: bool,
    pub(crate) show_side: bool,
    /// Panel sizes in points as the reader dragged them (0: not dragged yet, the window's default).
    pub panels: PanelSizes,
}

/// The sizes of the window's resizable panels, in whole points (0: the default for the window size).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PanelSizes {
    /// Width of the file tree (left).
    pub tree: u32,
    /// Height of the bottom panel (health, search, references, callers, threads, record).
    pub bottom: u32,
    /// Width of the outline / annotations panel (right).
    pub side: u32,
}

/// Which resizable panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// The file tree (left).
    Tree,
    /// The bottom panel.
    Bottom,
    /// The outline / annotations panel (right).
    Side,
}

impl PanelSizes {
    /// The size to open `panel` at in a window whose central area is `available` points along the
    /// panel's axis: the dragged size if any (kept within the window), else a share of the window.
    pub fn size(&self, panel: Panel, available: f32) -> f32 {
        let (saved, share, least) = match panel {
            Panel::Tree => (self.tree, 0.2, 160.0),
            // The bottom panel lists search results and threads: a good part of the height (at
            // 1500×940 about sixteen result rows).
            Panel::Bottom => (self.bottom, 0.42, 80.0),
            Panel::Side => (self.side, 0.17, 120.0),
        };
        let size = if saved > 0 { saved as f32 } else { (available * share).round() };
        size.clamp(least, (available * 0.8).max(least))
    }

    /// Records the size the reader dragged `panel` to.
    pub fn set(&mut self, panel: Panel, points: u32) {
        match panel {
            Panel::Tree => self.tree = points,
            Panel::Bottom => self.bottom = points,
            Panel::Side => self.side = points,
        }
    }
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            dark: true,
            show_health: true,
            font_tenths: (FONT_DEFAULT * 10.0) as u32,
            wrap: false,
            inline_threads: true,
            show_tree: true,
            show_side: true,
            panels: PanelSizes::default(),
        }
    }
}

impl Prefs {
    /// The code font size in points, kept within `FONT_MIN..=FONT_MAX` whatever the settings file says.
    pub fn font_size(&self) -> f32 {
        (self.font_tenths as f32 / 10.0).clamp(FONT_MIN, FONT_MAX)
    }
}
