//! Generated documentation: `docs/rules.md` from the rule table and the reason codes.
//!
//! A test compares each generated page with the committed file, so the docs cannot go stale.

use crate::evidence::RULES;
use crate::verdict::Reason;

/// `docs/rules.md`: the rule table as Markdown. Regenerate with
/// `UPDATE_RULES=1 cargo test --test testsuite models::rules_doc`.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# replymatrix model rules\n\n\
         Generated from `harness/src/evidence.rs` by `docs::rules_markdown()`; do not edit.\n\
         Regenerate with `UPDATE_RULES=1 cargo test --test testsuite models::rules_doc`.\n\n\
         Confidence: D documented (Microsoft), M Microsoft staff / old Microsoft help, \
         T third party, I inferred. An outcome's confidence is the weakest of its rules.\n\n\
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
