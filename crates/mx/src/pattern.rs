//! Tag constraint patterns: the glob allow-lists an API key carries.
//!
//! Deliberately tiny instead of a general glob library: `*` matches any run of
//! characters (dots included) and `?` exactly one character; everything else,
//! `[` and `]` in particular, is literal, because array references
//! (`Obj.Values[3]`) must be writable in a pattern without escaping. Matching is
//! case-insensitive over the whole reference, as MXAccess references are.

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPattern {
    text: String,
    chars: Vec<char>,
}

impl TagPattern {
    /// Compiles a pattern; `None` for an empty (or all-blank) pattern.
    pub fn new(pattern: &str) -> Option<Self> {
        let trimmed = pattern.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(TagPattern {
            text: trimmed.to_string(),
            chars: fold(trimmed),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the whole reference matches.
    pub fn matches(&self, reference: &str) -> bool {
        glob_match(&self.chars, &fold(reference))
    }
}

fn fold(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Iterative wildcard matching with single-star backtracking: linear in
/// practice and never exponential, whatever the pattern.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// An allow-list: empty allows everything, otherwise a reference must match
/// at least one pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    patterns: Vec<TagPattern>,
}

impl AllowList {
    /// Compiles the patterns, skipping blank ones.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Self {
        AllowList {
            patterns: patterns
                .iter()
                .filter_map(|p| TagPattern::new(p.as_ref()))
                .collect(),
        }
    }

    /// True when the list constrains nothing.
    pub fn is_unrestricted(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn allows(&self, reference: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(reference))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, r: &str) -> bool {
        TagPattern::new(p).unwrap().matches(r)
    }

    #[test]
    fn star_and_question_mark() {
        assert!(m("Area_A.*", "Area_A.Tank1.Level"));
        assert!(m("Area_A.*", "area_a.x"));
        assert!(!m("Area_A.*", "Area_B.Tank1.Level"));
        assert!(!m("Area_A.*", "Area_A"));
        assert!(m("*.Level", "Area_A.Tank1.Level"));
        assert!(!m("*.Level", "Area_A.Tank1.Level2"));
        assert!(m("Tank?.Level", "Tank1.Level"));
        assert!(!m("Tank?.Level", "Tank12.Level"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("**", "anything"));
    }

    #[test]
    fn brackets_are_literal() {
        assert!(m("Obj.Values[3]", "obj.values[3]"));
        assert!(!m("Obj.Values[3]", "Obj.Values3"));
        assert!(m("Obj.Values[*]", "Obj.Values[12]"));
    }

    #[test]
    fn whole_reference_only() {
        assert!(!m("Tank", "Tank1"));
        assert!(!m("ank1", "Tank1"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let text = "a".repeat(10_000);
        assert!(!m(&format!("{}b", "*a".repeat(50)), &text));
    }

    #[test]
    fn allow_lists() {
        let empty = AllowList::new::<&str>(&[]);
        assert!(empty.is_unrestricted());
        assert!(empty.allows("Anything.At.All"));
        let blank = AllowList::new(&["  "]);
        assert!(blank.is_unrestricted());
        let list = AllowList::new(&["Area_A.*", "Shared.Setpoint"]);
        assert!(!list.is_unrestricted());
        assert!(list.allows("AREA_A.Pump.Speed"));
        assert!(list.allows("shared.setpoint"));
        assert!(!list.allows("Shared.Setpoint2"));
        assert!(!list.allows("Area_B.Pump.Speed"));
    }
}
