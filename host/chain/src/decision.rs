//! Combining verdicts: one pure function, one precedence rule, used within a stage
//! and across stages alike.
//!
//! **The rule.** Decisions rank `Refuse` > `Quarantine` > `Discard` > `Continue`. A
//! verdict replaces the standing decision only when it ranks strictly higher, so among
//! equals the first one stands (the first quarantine's plugin and reason, the first
//! refusal's reply). Scores add up; tags and headers are collected in order. Within a
//! stage a refusal, and an `accept`, end the stage (the caller stops asking).

use mxr_sandbox::{Action, FilterVerdict, SmtpReply};

/// What a stage (or a whole transaction so far) decided for one tenant's copy.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Go on.
    Continue,
    /// Accept and drop.
    Discard,
    /// Accept into quarantine: (plugin that asked, its reason).
    Quarantine(String, String),
    /// Refuse with this reply.
    Refuse(SmtpReply),
}

impl Decision {
    /// The precedence rank: higher wins.
    fn rank(&self) -> u8 {
        match self {
            Decision::Continue => 0,
            Decision::Discard => 1,
            Decision::Quarantine(..) => 2,
            Decision::Refuse(_) => 3,
        }
    }

    /// The decision after `next`: `next` if it ranks strictly higher, else `self`.
    pub fn then(self, next: Decision) -> Decision {
        if next.rank() > self.rank() { next } else { self }
    }
}

/// The combined result of verdicts so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// What the verdicts so far decide: the highest-ranked, the first among equals.
    pub decision: Decision,
    /// True when a plugin accepted (the rest of its stage is skipped).
    pub accepted: bool,
    /// Sum of the scores.
    pub score: f64,
    /// Tags collected, in order.
    pub tags: Vec<String>,
    /// Headers to add, in order.
    pub headers: Vec<(String, String)>,
    /// The plugin whose verdict made the decision (none while it is `Continue`, or
    /// when the host decided, as on a local failure).
    pub decided_by: Option<String>,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            decision: Decision::Continue,
            accepted: false,
            score: 0.0,
            tags: vec![],
            headers: vec![],
            decided_by: None,
        }
    }
}

impl Outcome {
    /// Folds in one plugin's verdict; `plugin` names a quarantine it asks for.
    pub fn with_verdict(mut self, plugin: &str, v: &FilterVerdict) -> Outcome {
        self.score += v.score;
        self.tags.extend(v.tags.iter().cloned());
        self.headers.extend(v.headers.iter().cloned());
        let decision = match &v.action {
            Action::Continue => Decision::Continue,
            Action::Accept => {
                self.accepted = true;
                Decision::Continue
            }
            Action::Reject(r) | Action::Tempfail(r) => Decision::Refuse(r.clone()),
            Action::Discard => Decision::Discard,
            Action::Quarantine(reason) => Decision::Quarantine(plugin.to_owned(), reason.clone()),
        };
        if decision.rank() > self.decision.rank() {
            self.decided_by = Some(plugin.to_owned());
        }
        self.decision = self.decision.then(decision);
        self
    }

    /// Folds in a later stage's outcome (its `accepted` ends only that stage).
    pub fn with_stage(mut self, stage: Outcome) -> Outcome {
        self.score += stage.score;
        self.tags.extend(stage.tags);
        self.headers.extend(stage.headers);
        if stage.decision.rank() > self.decision.rank() {
            self.decided_by = stage.decided_by;
        }
        self.decision = self.decision.then(stage.decision);
        self
    }

    /// True when the rest of the stage is skipped: a refusal or an accept.
    pub fn ends_stage(&self) -> bool {
        self.accepted || matches!(self.decision, Decision::Refuse(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(action: Action, score: f64) -> FilterVerdict {
        FilterVerdict { action, score, tags: vec![format!("t{score}")], headers: vec![] }
    }
    fn reply(code: u16) -> SmtpReply {
        SmtpReply { code, enhanced: format!("{}.7.1", code / 100), text: "no".into() }
    }

    #[test]
    fn precedence_table() {
        use Decision::*;
        let q = |p: &str| Quarantine(p.into(), "r".into());
        // (standing, next, expected)
        let table = [
            (Continue, Discard, Discard),
            (Discard, Continue, Discard),
            (Discard, q("a"), q("a")),
            (q("a"), Discard, q("a")),
            (q("a"), q("b"), q("a")),
            (q("a"), Refuse(reply(550)), Refuse(reply(550))),
            (Refuse(reply(550)), q("a"), Refuse(reply(550))),
            (Refuse(reply(550)), Refuse(reply(451)), Refuse(reply(550))),
            (Continue, Continue, Continue),
        ];
        for (standing, next, expected) in table {
            assert_eq!(standing.clone().then(next.clone()), expected, "{standing:?} then {next:?}");
        }
    }

    #[test]
    fn within_a_stage_scores_add_and_the_first_quarantine_names_its_plugin() {
        let out = Outcome::default()
            .with_verdict("a", &verdict(Action::Quarantine("spammy".into()), 2.0))
            .with_verdict("b", &verdict(Action::Quarantine("other".into()), 1.5))
            .with_verdict("c", &verdict(Action::Discard, 0.5));
        assert_eq!(out.decision, Decision::Quarantine("a".into(), "spammy".into()));
        assert_eq!(out.score, 4.0);
        assert_eq!(out.tags, vec!["t2", "t1.5", "t0.5"]);
        assert!(!out.ends_stage());
    }

    #[test]
    fn across_stages_the_same_rule_holds() {
        let rcpt = Outcome::default().with_verdict("a", &verdict(Action::Quarantine("first".into()), 1.0));
        let data = Outcome::default().with_verdict("b", &verdict(Action::Quarantine("second".into()), 1.0));
        let total = Outcome::default().with_stage(rcpt).with_stage(data);
        assert_eq!(total.decision, Decision::Quarantine("a".into(), "first".into()));
        assert_eq!(total.score, 2.0);
        assert_eq!(total.decided_by.as_deref(), Some("a"), "the first among equals decided");
        let refused = Outcome::default().with_verdict("c", &verdict(Action::Reject(reply(550)), 0.0));
        assert_eq!(total.with_stage(refused).decided_by.as_deref(), Some("c"), "a higher rank decides anew");
    }

    #[test]
    fn refusal_and_accept_end_a_stage_but_accept_does_not_carry_over() {
        let refused = Outcome::default().with_verdict("a", &verdict(Action::Tempfail(reply(451)), 0.0));
        assert!(refused.ends_stage());
        let accepted = Outcome::default().with_verdict("a", &verdict(Action::Accept, 0.0));
        assert!(accepted.ends_stage() && accepted.decision == Decision::Continue);
        let total = Outcome::default().with_stage(accepted);
        assert!(!total.accepted, "an accept ends only its own stage");
    }
}
