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
        }
    }
}

impl Prefs {
    /// The code font size in points, kept within `FONT_MIN..=FONT_MAX` whatever the settings file says.
    pub fn font_size(&self) -> f32 {
        (self.font_tenths as f32 / 10.0).clamp(FONT_MIN, FONT_MAX)
    }
}
