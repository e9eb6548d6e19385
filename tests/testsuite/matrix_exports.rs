//! The matrix exports agree (the JSON export's schema is checked in `schemas`):
//! - `MATRIX.md`, the JSON export and the HTML page (its embedded data and its rendered
//!   glyphs) give the same statuses for every sample × profile × client;
//! - `replymatrix diff` reports exactly the changed cells, in a stable order.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use replymatrix::matrix::{self, Matrix};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

fn replymatrix(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_replymatrix"))
        .args(args)
        .output()
        .expect("replymatrix runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `replymatrix matrix --format FORMAT`, run once per format for the whole test binary: the
/// exports are deterministic (a test proves it for HTML), and building the matrix in a debug
/// binary is the slow part of this file.
fn export_text(format: &str) -> String {
    static EXPORTS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    let mut exports = EXPORTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, out)) = exports.iter().find(|(f, _)| f == format) {
        return out.clone();
    }
    let (code, stdout, stderr) = replymatrix(&["matrix", "--format", format]);
    assert_eq!(code, 0, "matrix --format {format}: {stderr}");
    exports.push((format.to_owned(), stdout.clone()));
    stdout
}

fn export_json() -> Value {
    serde_json::from_str(&export_text("json")).expect("the export is JSON")
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("replymatrix-exports-{}-{name}", std::process::id()))
}

// ---------------------------------------------------------------- agreement

/// ✔ readable, ~ readable with a warning or a signature shown as signed with errors, ✘ not.
fn read_glyph(status: &str, signature: &str) -> char {
    match (status, signature) {
        ("readable", "signed-with-errors") | ("readable-with-warning", _) => '~',
        ("readable", _) => '✔',
        _ => '✘',
    }
}

fn reply_glyph(status: &str) -> char {
    match status {
        "yes" => '✔',
        "no" => '✘',
        "partial" => '~',
        _ => '?',
    }
}

/// (sample, profile, client) -> "R✔ P✔ S✘ E?".
type Glyphs = BTreeMap<(String, String, String), String>;

fn glyphs_of_value(m: &Value) -> Glyphs {
    let mut out = Glyphs::new();
    for row in m["samples"].as_array().expect("samples") {
        for cell in row["cells"].as_array().expect("cells") {
            let s = |mode: &str| cell["reply"][mode]["status"].as_str().expect("status");
            let g = format!(
                "R{} P{} S{} E{}",
                read_glyph(
                    cell["read"]["status"].as_str().expect("read status"),
                    cell["read"]["signature_shown"].as_str().expect("signature"),
                ),
                reply_glyph(s("plain")),
                reply_glyph(s("signed")),
                reply_glyph(s("encrypted"))
            );
            let key = (
                row["id"].as_str().expect("id").to_owned(),
                cell["profile"].as_str().expect("profile").to_owned(),
                cell["client"].as_str().expect("client").to_owned(),
            );
            assert!(out.insert(key, g).is_none(), "duplicate cell");
        }
    }
    out
}

/// Drops `<sup>…</sup>`, `(…)` and any other tag from a cell, leaving the glyph tokens.
fn strip_cell(cell: &str) -> String {
    let mut out = String::new();
    let mut depth_paren = 0u32;
    let mut in_tag = false;
    let mut in_sup = false;
    let mut tag = String::new();
    for c in cell.chars() {
        if in_tag {
            if c == '>' {
                in_tag = false;
                if tag == "sup" {
                    in_sup = true;
                } else if tag == "/sup" {
                    in_sup = false;
                }
            } else {
                tag.push(c);
            }
            continue;
        }
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '(' => depth_paren += 1,
            ')' => depth_paren = depth_paren.saturating_sub(1),
            _ if in_sup || depth_paren > 0 => {}
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn glyphs_of_markdown(md: &str, clients: &[String]) -> Glyphs {
    let mut out = Glyphs::new();
    let mut profile: Option<String> = None;
    for line in md.lines() {
        if let Some(p) = line.strip_prefix("## Profile ") {
            profile = Some(p.trim().to_owned());
            continue;
        }
        let (Some(p), Some(rest)) = (&profile, line.strip_prefix("| `")) else {
            continue;
        };
        let cols: Vec<&str> = rest.split(" |").collect();
        let id = cols[0].split('`').next().expect("id").to_owned();
        let cells: Vec<&str> = cols[1..]
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(cells.len(), clients.len(), "columns of {line}");
        for (client, cell) in clients.iter().zip(cells) {
            let key = (id.clone(), p.clone(), client.clone());
            assert!(
                out.insert(key, strip_cell(cell)).is_none(),
                "duplicate {line}"
            );
        }
    }
    out
}

/// The glyphs the page renders inside each cell button.
fn glyphs_of_html_buttons(page: &str) -> Glyphs {
    let mut out = Glyphs::new();
    let attr = |tag: &str, name: &str| -> String {
        let open = format!("{name}=\"");
        let start = tag.find(&open).expect("attribute") + open.len();
        tag[start..].split('"').next().expect("value").to_owned()
    };
    for chunk in page.split("<button type=\"button\" class=\"cell\"").skip(1) {
        let (tag, rest) = chunk.split_once('>').expect("tag end");
        let inner = rest.split("</button>").next().expect("button end");
        let key = (
            attr(tag, "data-sample"),
            attr(tag, "data-profile"),
            attr(tag, "data-client"),
        );
        assert!(
            out.insert(key, strip_cell(inner)).is_none(),
            "duplicate button"
        );
    }
    out
}

#[test]
fn markdown_json_and_html_agree_on_every_cell() {
    let json = export_json();
    let clients: Vec<String> = json["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|c| c.as_str().expect("client").to_owned())
        .collect();
    let from_json = glyphs_of_value(&json);
    let n_samples = json["samples"].as_array().expect("samples").len();
    let n_profiles = json["profiles"].as_array().expect("profiles").len();
    assert_eq!(from_json.len(), n_samples * n_profiles * clients.len());

    let md_path = crate::support::root().join("MATRIX.md");
    let md = std::fs::read_to_string(md_path).expect("MATRIX.md");
    let from_md = glyphs_of_markdown(&md, &clients);
    assert_eq!(from_md, from_json, "MATRIX.md and the JSON export disagree");

    let page = export_text("html");
    let embedded = matrix::html::embedded_matrix(&page).expect("the page embeds the matrix");
    let embedded = serde_json::to_value(&embedded).expect("serialises");
    assert_eq!(embedded, json, "the page embeds exactly the JSON export");
    assert_eq!(glyphs_of_value(&embedded), from_json);
    assert_eq!(
        glyphs_of_html_buttons(&page),
        from_json,
        "the page's rendered glyphs and the JSON export disagree"
    );
}

#[test]
fn html_page_is_deterministic_self_contained_and_escapes_its_data() {
    let page = export_text("html");
    // A second, uncached run: same matrix, same bytes.
    let (code, again, stderr) = replymatrix(&["matrix", "--format", "html"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(page, again, "same matrix, same bytes");
    let open = "<script type=\"application/json\" id=\"matrix-data\">";
    let start = page.find(open).expect("data element") + open.len();
    let data = &page[start..start + page[start..].find("</script>").expect("end")];
    assert!(!data.contains('<'), "the embedded JSON has no raw '<'");
    // The corpus does have '<' in its strings (sender formats quote <UUID> and the like), so
    // the escaping is exercised, not vacuous.
    assert!(
        data.contains("\\u003c"),
        "the escape is exercised by the corpus"
    );
    // No network: nothing loads from elsewhere.
    for needle in [
        "<link",
        "src=\"",
        "@import",
        "url(",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!page.contains(needle), "the page contains {needle:?}");
    }
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

/// A `<` inside the data (a hostile title) cannot close the script element.
#[test]
fn html_escapes_a_closing_script_tag_in_the_data() {
    let corpora = replymatrix::corpus::default_corpora_dir();
    let profiles =
        matrix::load_profiles(&corpora.join("profiles"), &corpora.join("keys")).expect("profiles");
    let mut m: Matrix = matrix::build(&corpora, &profiles).expect("builds");
    m.samples[0].title = "</script><script>alert(1)</script><!--".into();
    let page = matrix::html::page(&m);
    assert!(!page.contains("<script>alert(1)"));
    assert_eq!(matrix::html::embedded_matrix(&page), Some(m));
}

// ---------------------------------------------------------------- diff

#[test]
fn diff_reports_exactly_the_changed_cells_in_a_stable_order() {
    let old = export_json();
    let mut new = old.clone();
    let flip = |s: &str| if s == "yes" { "no" } else { "yes" };

    // Two altered cells (in samples 0 and 3) and one removed sample (5).
    let a = &mut new["samples"][0]["cells"][4];
    let a_old = a["reply"]["signed"]["status"]
        .as_str()
        .expect("s")
        .to_owned();
    a["reply"]["signed"]["status"] = json!(flip(&a_old));
    let b = &mut new["samples"][3]["cells"][7];
    let b_old = b["reply"]["encrypted"]["status"]
        .as_str()
        .expect("s")
        .to_owned();
    b["reply"]["encrypted"]["status"] = json!(flip(&b_old));
    let removed = new["samples"][5]["id"].as_str().expect("id").to_owned();
    new["samples"].as_array_mut().expect("samples").remove(5);

    let line = |v: &Value, sample: usize, cell: usize, mode: &str, old: &str| {
        let row = &v["samples"][sample];
        let c = &row["cells"][cell];
        let o = &c["reply"][mode];
        let rules: Vec<&str> = o["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r.as_str().expect("rule"))
            .collect();
        format!(
            "{} | {} | {} | {mode}: {old} -> {} reason={} rules={}",
            row["id"].as_str().expect("id"),
            c["profile"].as_str().expect("profile"),
            c["client"].as_str().expect("client"),
            o["status"].as_str().expect("status"),
            o["reason"].as_str().unwrap_or("-"),
            rules.join(",")
        )
    };
    let expected = format!(
        "samples removed: {removed}\nchanged decisions: 2\n{}\n{}\n",
        line(&new, 0, 4, "signed", &a_old),
        line(&new, 3, 7, "encrypted", &b_old)
    );

    let old_path = temp_path("old.json");
    let new_path = temp_path("new.json");
    std::fs::write(&old_path, old.to_string()).expect("write");
    std::fs::write(&new_path, new.to_string()).expect("write");
    let (o, n) = (
        old_path.to_str().expect("utf-8"),
        new_path.to_str().expect("utf-8"),
    );

    let (code, stdout, stderr) = replymatrix(&["diff", o, n]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, expected);

    // Reversed: the sample is added and the statuses change back.
    let (code, stdout, _) = replymatrix(&["diff", n, o]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(&format!("samples added: {removed}\nchanged decisions: 2\n")));
    assert!(stdout.contains(&format!("| signed: {} -> {a_old} ", flip(&a_old))));

    // Markdown: the same two rows in a table.
    let (code, stdout, _) = replymatrix(&["diff", "--format", "md", o, n]);
    assert_eq!(code, 0);
    assert!(stdout.contains(&format!("- samples removed: `{removed}`")));
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[0].contains(&format!("| signed | {a_old} → **{}** |", flip(&a_old))));
    assert!(rows[1].contains(&format!("| encrypted | {b_old} → **{}** |", flip(&b_old))));

    // Same export twice: no changes, still exit 0.
    let (code, stdout, _) = replymatrix(&["diff", o, o]);
    assert_eq!((code, stdout.as_str()), (0, "no changes\n"));

    // Not a matrix: exit 1 with the file named.
    std::fs::write(&new_path, "{\"schema\": 1}").expect("write");
    let (code, _, stderr) = replymatrix(&["diff", o, n]);
    assert_eq!(code, 1);
    assert!(stderr.contains("new.json"), "{stderr}");

    let _ = std::fs::remove_file(&old_path);
    let _ = std::fs::remove_file(&new_path);
}
