//! Files for downloaded attachments: a safe name made from what the network sent, and a place in the
//! folder that never overwrites anything.

use std::io;
use std::path::{Path, PathBuf};

/// The longest file name `:save` makes, in bytes; well under the usual 255, leaving room for ` (n)`.
pub const MAX_NAME_BYTES: usize = 150;
/// The name used when nothing of the sent name survives.
pub const FALLBACK_NAME: &str = "attachment";
/// How many numbered names (`name (1).pdf` …) are tried before giving up.
const MAX_NUMBERED: u32 = 9_999;

/// Characters that change how text is shown without showing themselves: bidi controls (which can
/// disguise `exe` as `pdf`), zero-width characters and the byte order mark. They are dropped.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// Characters a file name must not hold on some system: controls, and Windows' reserved ones.
fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\u{2028}' | '\u{2029}'
        )
}

/// Names Windows keeps for devices, whatever their extension.
const WINDOWS_DEVICES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file name that stays inside the folder it is joined to and shows what it is: path parts become
/// `_`-joined words (`../../etc/passwd` → `etc_passwd`), with no `.` or `..`, no leading dot (no hidden
/// files), no control, bidi or zero-width characters, no characters Windows refuses, not a Windows device
/// name, at most [`MAX_NAME_BYTES`] bytes with the extension kept, and never empty.
pub fn safe_file_name(sent: &str) -> String {
    let visible: String = sent
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| if is_forbidden(c) { '_' } else { c })
        .collect();
    let joined = visible
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect::<Vec<_>>()
        .join("_");
    let mut name = String::with_capacity(joined.len());
    for c in joined.chars() {
        // Runs of dots become one: no `..` anywhere.
        if !(c == '.' && name.ends_with('.')) {
            name.push(c);
        }
    }
    let name = name
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let name = shorten(name, MAX_NAME_BYTES)
        .trim_end_matches(['.', ' '])
        .to_string();
    if name.is_empty() {
        return FALLBACK_NAME.to_string();
    }
    let stem = split_extension(&name).0;
    if WINDOWS_DEVICES
        .iter()
        .any(|d| d.eq_ignore_ascii_case(stem.trim_end()))
    {
        return format!("_{name}");
    }
    name
}

/// `(stem, extension)`, the extension with its dot; a leading dot does not start an extension.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    }
}

/// Cuts the stem so the name fits `max` bytes, keeping a short extension.
fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    let (stem, ext) = if ext.len() <= 16 {
        (stem, ext)
    } else {
        (name, "")
    };
    let mut end = max.saturating_sub(ext.len()).min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ext}", stem[..end].trim_end())
}

/// The `n`th name to try: the name itself, then `stem (1).ext`, `stem (2).ext`, …
pub fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_string();
    }
    let (stem, ext) = split_extension(name);
    format!("{stem} ({n}){ext}")
}

/// Moves the finished `temp` file into `dir` under `name`, or the first free numbered name. Each name
/// is taken with `create_new`, which fails if anything (a file, a link) is there, so another file is
/// never overwritten, even by a race; the rename then replaces only the empty file just made.
pub async fn place(temp: &Path, dir: &Path, name: &str) -> io::Result<PathBuf> {
    for n in 0..=MAX_NUMBERED {
        let candidate = dir.join(numbered(name, n));
        match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
            .await
        {
            Ok(reserved) => {
                drop(reserved);
                return match tokio::fs::rename(temp, &candidate).await {
                    Ok(()) => Ok(candidate),
                    Err(e) => {
                        let _ = tokio::fs::remove_file(&candidate).await;
                        Err(e)
                    }
                };
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{name} and its numbered names up to ({MAX_NUMBERED}) are all taken"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_never_leave_the_folder() {
        assert_eq!(safe_file_name("../../etc/passwd"), "etc_passwd");
        assert_eq!(
            safe_file_name("..\\..\\Windows\\win.ini"),
            "Windows_win.ini"
        );
        assert_eq!(safe_file_name("/abs/path.txt"), "abs_path.txt");
        assert_eq!(safe_file_name("a/./b.txt"), "a_b.txt");
        for hostile in ["..", ".", "/", "../", "./..", " .. / . "] {
            assert_eq!(safe_file_name(hostile), FALLBACK_NAME, "{hostile:?}");
        }
    }

    #[test]
    fn no_dot_runs_and_no_hidden_files() {
        assert_eq!(safe_file_name("a..b...pdf"), "a.b.pdf");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("report.pdf. . "), "report.pdf");
    }

    #[test]
    fn bidi_and_invisible_characters_are_dropped() {
        assert_eq!(safe_file_name("a\u{202E}b.txt"), "ab.txt");
        // With U+202E kept, "invoice<RLO>fdp.exe" shows as "invoiceexe.pdf"; dropped, the real extension shows.
        assert_eq!(safe_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(
            safe_file_name("\u{FEFF}zero\u{200B}width\u{2066}.txt"),
            "zerowidth.txt"
        );
    }

    #[test]
    fn control_and_windows_reserved_characters_become_underscores() {
        assert_eq!(safe_file_name("a\u{1b}[31mb\n.txt"), "a_[31mb_.txt");
        assert_eq!(
            safe_file_name("what? <now>:*|\".txt"),
            "what_ _now_____.txt"
        );
        assert_eq!(safe_file_name("nul\u{0}.txt"), "nul_.txt");
    }

    #[test]
    fn windows_device_names_are_prefixed() {
        assert_eq!(safe_file_name("CON"), "_CON");
        assert_eq!(safe_file_name("nul.txt"), "_nul.txt");
        assert_eq!(safe_file_name("console.txt"), "console.txt");
    }

    #[test]
    fn never_empty() {
        for nothing in ["", "   ", "\u{202E}", "\u{200B}\u{200B}", "..."] {
            assert_eq!(safe_file_name(nothing), FALLBACK_NAME, "{nothing:?}");
        }
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension_and_whole_characters() {
        let long = format!("{}.pdf", "é".repeat(200));
        let safe = safe_file_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES, "{} bytes", safe.len());
        assert!(safe.ends_with("é.pdf"), "{safe}");
        let no_ext = "x".repeat(400);
        assert_eq!(safe_file_name(&no_ext).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn ordinary_names_are_kept() {
        for name in [
            "agenda.pdf",
            "Q3 plan (final).docx",
            "Übersicht 2026.xlsx",
            "图片.png",
        ] {
            assert_eq!(safe_file_name(name), name);
        }
    }

    #[test]
    fn numbered_names_go_before_the_extension() {
        assert_eq!(numbered("agenda.pdf", 0), "agenda.pdf");
        assert_eq!(numbered("agenda.pdf", 1), "agenda (1).pdf");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered("README", 3), "README (3)");
    }

    #[tokio::test]
    async fn placing_takes_the_first_free_name_and_leaves_existing_files_alone() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("agenda.pdf"), b"first").expect("write");
        std::fs::write(dir.path().join("agenda (1).pdf"), b"second").expect("write");
        let temp = dir.path().join(".download.part");
        std::fs::write(&temp, b"third").expect("write");

        let placed = place(&temp, dir.path(), "agenda.pdf")
            .await
            .expect("placed");

        assert_eq!(placed, dir.path().join("agenda (2).pdf"));
        assert_eq!(std::fs::read(&placed).expect("read"), b"third");
        assert_eq!(
            std::fs::read(dir.path().join("agenda.pdf")).expect("read"),
            b"first"
        );
        assert_eq!(
            std::fs::read(dir.path().join("agenda (1).pdf")).expect("read"),
            b"second"
        );
        assert!(!temp.exists(), "the temporary file was moved");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn placing_never_writes_through_a_link_in_the_way() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let outside = tempfile::tempdir().expect("another folder");
        let target = outside.path().join("victim");
        std::fs::write(&target, b"keep").expect("write");
        std::os::unix::fs::symlink(&target, dir.path().join("notes.txt")).expect("symlink");
        let temp = dir.path().join(".download.part");
        std::fs::write(&temp, b"new").expect("write");

        let placed = place(&temp, dir.path(), "notes.txt").await.expect("placed");

        assert_eq!(placed, dir.path().join("notes (1).txt"));
        assert_eq!(std::fs::read(&target).expect("read"), b"keep");
    }
}
