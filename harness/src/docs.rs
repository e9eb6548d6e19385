//! Generated documentation: `docs/rules.md` from the rule table and the reason codes.
//!
//! A test compares each generated page with the committed file, so the docs cannot go stale.

use crate::evidence::RULES;
use crate::verdict::Reason;

/// An object schema with named properties admits no others (what replymatrix writes).
fn no_other_properties(schema: &mut schemars::Schema) {
    if let Some(object) = schema.as_object_mut()
        && object.contains_key("properties")
        && !object.contains_key("additionalProperties")
    {
        object.insert("additionalProperties".into(), false.into());
    }
}

/// The JSON schemas of the interfaces, generated from the types: (file name below
/// `docs/schemas/`, schema id, pretty JSON). Regenerate with
/// `UPDATE_SCHEMAS=1 cargo test --test testsuite schemas::`.
pub fn json_schemas() -> Vec<(&'static str, String)> {
    fn one<T: schemars::JsonSchema>(id: &str, title: &str) -> String {
        let settings = if id.ends_with("sidecar.schema.json") {
            // A sidecar is input: what deserialises (its structs deny unknown fields).
            schemars::generate::SchemaSettings::draft2020_12().for_deserialize()
        } else {
            // Exports are output: every field that is always written is required, and
            // nothing else may appear.
            schemars::generate::SchemaSettings::draft2020_12()
                .for_serialize()
                .with_transform(schemars::transform::RecursiveTransform(no_other_properties))
        };
        let mut schema = settings.into_generator().into_root_schema_for::<T>();
        schema.insert("$id".into(), id.into());
        schema.insert("title".into(), title.into());
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
    vec![
        (
            "inspect.schema.json",
            one::<crate::facts::Inspection>(
                "https://replymatrix.invalid/schemas/inspect.schema.json",
                "replymatrix.inspect/1: the facts of one message",
            ),
        ),
        (
            "explain.schema.json",
            one::<crate::explain::Explanation>(
                "https://replymatrix.invalid/schemas/explain.schema.json",
                "replymatrix.explain/1: what each client lets the user do, and why",
            ),
        ),
        (
            "matrix.schema.json",
            one::<crate::matrix::Matrix>(
                "https://replymatrix.invalid/schemas/matrix.schema.json",
                "replymatrix.matrix/1: every sample x profile x client",
            ),
        ),
        (
            "sidecar.schema.json",
            one::<crate::corpus::Sidecar>(
                "https://replymatrix.invalid/schemas/sidecar.schema.json",
                "A corpus sample's sidecar (<name>.toml beside <name>.eml)",
            ),
        ),
    ]
}

/// `docs/rules.md`: the rule table as Markdown. Regenerate with
/// `UPDATE_RULES=1 cargo test --test testsuite models::rules_doc`.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# replymatrix model rules\n\n\
         Generated from `harness/src/evidence.rs` by `docs::rules_markdown()`; do not edit.\n\
         Regenerate with `UPDATE_RULES=1 cargo test --test testsuite models::rules_doc`.\n\n\
         Confidence: D documented (Microsoft), M Microsoft staff / old Microsoft help, \
         T third party, I inferred. An outcome's confidence is the weakest of its rules, or \
         `observed` when an observation in `corpora/observations/` confirms it.\n\n\
         | Rule | Decides | Conf. | Quote | Sources |\n|---|---|---|---|---|\n",
    );
    for r in RULES {
        let mut sources: Vec<String> = r.sources.iter().map(|u| format!("<{u}>")).collect();
        if !r.citation.is_empty() {
            sources.push(r.citation.to_owned());
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | \"{}\" | {} |\n",
            r.id,
            r.decides.replace('|', "\\|"),
            r.confidence.tag(),
            r.quote.replace('|', "\\|"),
            if sources.is_empty() {
                "—".to_owned()
            } else {
                sources.join("<br>")
            },
        ));
    }
    out.push_str(
        "\n## Reason codes\n\n`status: no` carries one of these (a rule blocked it), `status: partial` its caveat; \
         `status: unknown` always carries `not-modelled` (the evidence is silent).\n\n\
         | Reason | Meaning |\n|---|---|\n",
    );
    for reason in Reason::ALL {
        out.push_str(&format!(
            "| `{}` | {} |\n",
            reason.as_str(),
            reason.describe()
        ));
    }
    out
}

/// `docs/remedies.md`: every action of the remedies catalogue with its actor, effort,
/// procedure, profile patch and evidence (`UPDATE_REMEDIES=1 cargo test --test testsuite
/// remedies::remedies_doc` rewrites it).
pub fn remedies_markdown() -> String {
    use crate::remedies::{CATALOGUE_PATH, MAX_ACTIONS, catalogue};
    use std::fmt::Write as _;
    let mut out = String::from("# Remedies: the actions replymatrix can propose\n\n");
    let _ = writeln!(
        out,
        "Generated from `{CATALOGUE_PATH}` by `replymatrix::docs::remedies_markdown`; do not \
         edit by hand. For every reply that is not `yes`, `explain`, the matrix and `scan` list \
         the smallest sets of up to {MAX_ACTIONS} of these actions that make it `yes` under the \
         models, proved by loading the changed profile and running the models again. Besides \
         these, a *sender* action is a sibling sample of the corpus: the same sender product and \
         From with another setting (`sender:<family/name>`).\n"
    );
    out.push_str(
        "Placeholders in a patch are filled per message and profile: `{sender-address}` (From), \
         `{message-signer}` (the certificate the message carries for its sender: the profile \
         loader takes it from the message; an admin saves it from the signed message), \
         `{own-certificate}` and `{own-root}` (the user's certificate and its root, from the \
         files the profile names, or for a bundled profile its persona keys), `{sender-root}`, \
         `{sender-openpgp-key}`, `{own-openpgp-key}`.\n\n",
    );
    out.push_str("| id | actor | effort | what it changes |\n|---|---|---|---|\n");
    let mut actions: Vec<_> = catalogue().iter().collect();
    actions.sort_by(|a, b| a.actor.cmp(&b.actor).then(a.id.cmp(&b.id)));
    for a in &actions {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} min{} | {} |",
            a.id,
            a.id,
            a.actor.as_str(),
            a.minutes,
            if a.tenant_wide { ", tenant-wide" } else { "" },
            a.title
        );
    }
    out.push('\n');
    for a in &actions {
        let _ = writeln!(out, "## {}\n", a.id);
        let _ = writeln!(
            out,
            "{} Actor: `{}`; effort {} min{}; step {} in the admin's order; confidence {}{}.\n",
            a.title,
            a.actor.as_str(),
            a.minutes,
            if a.tenant_wide { ", tenant-wide" } else { "" },
            a.step,
            a.confidence().as_str(),
            if a.tried_first {
                "; tried first (explain says when it would not help)"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "Procedure: {}\n", a.procedure);
        if let Some(patch) = &a.patch {
            let _ = writeln!(out, "Profile patch:\n\n```toml\n{}```\n", patch);
        }
        if let Some(client) = a.client {
            let _ = writeln!(out, "Client used instead: `{}`.\n", client.as_str());
        }
        out.push_str("Evidence:\n\n");
        for e in &a.evidence {
            let _ = writeln!(
                out,
                "- <{}> ({}): \u{201c}{}\u{201d}",
                e.url,
                e.confidence.as_str(),
                e.quote
            );
        }
        out.push('\n');
    }
    out
}
