//! Entry points for the fuzz targets (`fuzz/`, `scripts/fuzz.sh`). Each runs one command's
//! pipeline on arbitrary bytes entirely in memory: a fuzzed plan lives in an empty scratch
//! folder that nothing writes to, and no file is ever written. A panic, a stack overflow or a
//! hang in any of them is a bug.

use std::sync::OnceLock;

use camino::{Utf8Path, Utf8PathBuf};

use crate::compiler::compile;
use crate::graph::view::GraphView;
use crate::plan::source::PlanSource;

/// An empty folder the fuzzed plans are placed in (read, never written).
fn scratch() -> &'static Utf8Path {
    static DIR: OnceLock<Utf8PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("bakeplan-fuzz-")
            .tempdir()
            .expect("a temp folder")
            .keep();
        Utf8PathBuf::from_path_buf(dir).expect("a UTF-8 temp folder")
    })
}

fn source(text: &str) -> PlanSource {
    PlanSource::from_text(&scratch().join("bakeplan.kdl"), text.to_owned())
}

/// `compile --check` and `graph` on `bytes` as a plan: parse, lower, resolve, graph, emit
/// (every bake file and Dockerfile rendered), drift against the empty folder, every graph
/// format, and `affected` for the plan's own file.
pub fn fuzz_compile(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let source = source(text);
    let Ok(compilation) = compile(&source) else {
        return;
    };
    let _ = compilation.outputs.drift(&source);
    let view = GraphView::new(&compilation.plan, &compilation.graph);
    let _ = view.path_warning();
    for format in [
        crate::graph::format::text,
        crate::graph::format::dot,
        crate::graph::format::mermaid,
        crate::graph::format::json,
    ] {
        let _ = format(&view);
    }
    let _ = crate::graph::affected::affected(
        &compilation.plan,
        &compilation.graph,
        &source.file_name,
        std::slice::from_ref(&source.file_name),
        None,
    );
}

/// A fixed plan the command-input target works on.
const PLAN: &str = "service \"a\" {\n    context \"a\"\n    template \"python-pip\"\n}\n\nservice \"b\" { context \"b\"; template \"node\"; depends-on \"a\"; }\n";

/// The other commands' inputs: the first byte picks one.
/// - even: `bakeplan new` on the rest as a plan text (the new service added, the result
///   compiled; an edit that kdl reproduces must still parse); `selector % 4 == 2` also adds
///   it to group `g`;
/// - odd: `affected --files` with the rest as the list of changed files, against a fixed plan.
pub fn fuzz_command_inputs(bytes: &[u8]) {
    let Some((&selector, rest)) = bytes.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if selector % 2 == 0 {
        let depends_on = ["a".to_owned()];
        let params = [("python".to_owned(), "3.12".to_owned())];
        let groups = ["g".to_owned()];
        let in_group = selector % 4 == 2;
        let edited = crate::plan::editor::add_service(
            &text,
            &crate::plan::editor::NewService {
                name: "fuzzed",
                context: "services/fuzzed",
                build: crate::plan::editor::NewBuild::Template {
                    name: "python-pip",
                    params: &params,
                },
                depends_on: &depends_on,
                from: None,
                groups: if in_group { &groups } else { &[] },
            },
        );
        if let Ok(edited) = edited {
            assert!(
                in_group || edited.starts_with(text.lines().next().unwrap_or_default()),
                "the edit kept the plan's first line"
            );
            let _ = compile(&source(&edited));
        }
    } else {
        static COMPILED: OnceLock<crate::compiler::Compilation> = OnceLock::new();
        let compilation =
            COMPILED.get_or_init(|| compile(&source(PLAN)).expect("the fixed plan compiles"));
        let files = crate::commands::git::parse_file_list(&text);
        let _ = crate::graph::affected::affected(
            &compilation.plan,
            &compilation.graph,
            "bakeplan.kdl",
            &files,
            None,
        );
    }
}

/// `import compose` on `bytes` as compose files (several when the text holds a line
/// `---8<---`, merged as `docker compose -f a -f b` merges them), with the scratch folder as
/// the project and the plan folder and a fixed environment: the plan it writes must be KDL
/// that compile reads without a syntax error, and every note a single line.
pub fn fuzz_import_compose(bytes: &[u8]) {
    use crate::commands::import::{compose, interpolate, yaml};
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let mut root: Option<yaml::Node> = None;
    let parts: Vec<&str> = text.split("\n---8<---\n").take(4).collect();
    for (index, part) in parts.iter().enumerate() {
        if yaml::read_into(&mut root, part, index).is_err() {
            return;
        }
    }
    let Some(root) = root else { return };
    let files: Vec<String> = (0..parts.len())
        .map(|index| format!("compose-{index}.yml"))
        .collect();
    let interpolator = interpolate::Interpolator {
        env: [("TAG", "1.0"), ("EMPTY", ""), ("REGISTRY", "r.example")]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        ..interpolate::Interpolator::default()
    };
    let dir = scratch().as_std_path().to_path_buf();
    let Ok(result) =
        compose::Importer::new(&files, dir.clone(), dir, "fuzz".to_owned(), interpolator)
            .import(&root)
    else {
        return;
    };
    for note in &result.notes {
        assert!(!note.contains('\n'), "a note is one line: {note:?}");
    }
    assert_readable("import", &result.plan);
}

/// A plan a command wrote (`who`): compile may refuse what it means, never how it is written.
fn assert_readable(who: &str, plan: &str) {
    if let Err(errors) = compile(&source(plan)) {
        for error in &errors.0 {
            assert!(
                error.code != "bakeplan::syntax" && error.code != "bakeplan::too-deep",
                "{who} wrote a plan compile cannot read ({}): {}\n{plan}",
                error.code,
                error.message,
            );
        }
    }
}

/// `init` on a repository made of `bytes`, in a fresh temporary folder: its parts (split at
/// lines `--8<--`, at most 32) are files, each a relative path (letters, digits, `_`, `-`, `.`
/// and `/`, no `..`) on its first line and the file's text after it. The plan init writes must
/// be KDL that compile reads without a syntax error.
pub fn fuzz_init(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let Ok(dir) = tempfile::Builder::new()
        .prefix("bakeplan-fuzz-init-")
        .tempdir()
    else {
        return;
    };
    for part in text.split("\n--8<--\n").take(32) {
        let (name, content) = part.split_once('\n').unwrap_or((part, ""));
        let fit = !name.is_empty()
            && !name.starts_with('/')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            && name.split('/').all(|step| !step.is_empty() && step != "..");
        if !fit {
            continue;
        }
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, content);
    }
    let Some((plan, _notes)) = crate::commands::init::plan_for(dir.path().to_path_buf()) else {
        return;
    };
    assert_readable("init", &plan);
}
