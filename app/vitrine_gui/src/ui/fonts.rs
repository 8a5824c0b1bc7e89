//! Bundled fonts (DejaVu Sans and Sans Mono: Latin, Cyrillic, Greek), so the window looks the same on a
//! machine without system fonts. egui's own fonts stay behind them as fallbacks (emoji, symbols), and a
//! system CJK font is added when one is installed, so CJK text shows instead of boxes.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

static SANS: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
static MONO: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSansMono.ttf");
static MONO_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSansMono-Bold.ttf");

/// The family used for bold code.
pub const MONO_BOLD_FAMILY: &str = "mono-bold";

/// Places where Debian's CJK fonts live; the first that exists is used.
const CJK_CANDIDATES: [&str; 3] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("dejavu-sans".into(), Arc::new(FontData::from_static(SANS)));
    fonts.font_data.insert("dejavu-mono".into(), Arc::new(FontData::from_static(MONO)));
    fonts.font_data.insert("dejavu-mono-bold".into(), Arc::new(FontData::from_static(MONO_BOLD)));
    fonts.families.entry(FontFamily::Proportional).or_default().insert(0, "dejavu-sans".into());
    fonts.families.entry(FontFamily::Monospace).or_default().insert(0, "dejavu-mono".into());
    let mut bold = vec!["dejavu-mono-bold".to_owned(), "dejavu-mono".to_owned()];
    bold.extend(fonts.families.get(&FontFamily::Monospace).cloned().unwrap_or_default().into_iter().skip(1));
    fonts.families.insert(FontFamily::Name(MONO_BOLD_FAMILY.into()), bold);
    if let Some(cjk) = CJK_CANDIDATES.iter().find_map(|p| std::fs::read(p).ok()) {
        fonts.font_data.insert("system-cjk".into(), Arc::new(FontData::from_owned(cjk)));
        for family in
            [FontFamily::Proportional, FontFamily::Monospace, FontFamily::Name(MONO_BOLD_FAMILY.into())]
        {
            fonts.families.entry(family).or_default().push("system-cjk".into());
        }
    }
    fonts
}
