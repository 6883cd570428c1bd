//! Character-level diff of an original text and its correction.
//!
//! Characters, not words: Chinese has no spaces to split on. The raw edit script is then
//! tidied for reading: an unchanged run of one or two characters between two changes is
//! folded into them, so "每日三次" → "每日两次" reads as one change of "三" to "两", not as
//! a scatter of single-character edits.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Segment {
    Same(String),
    Removed(String),
    Added(String),
}

/// Above this many cells (remaining length of old × new) the middle is shown as one
/// replacement instead of being aligned character by character.
const MAX_CELLS: usize = 4_000_000;

/// Unchanged runs up to this many characters between two changes are folded into them.
const FOLD_CHARS: usize = 2;

/// The diff of `old` → `new`, as alternating unchanged and changed segments.
pub fn diff(old: &str, new: &str) -> Vec<Segment> {
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<(Op, char)> = Vec::with_capacity(a.len() + b.len());
    ops.extend(a[..prefix].iter().map(|&c| (Op::Same, c)));
    align(mid_a, mid_b, &mut ops);
    ops.extend(a[a.len() - suffix..].iter().map(|&c| (Op::Same, c)));
    fold(group(&ops))
}

/// How many separate changes a diff holds.
pub fn change_count(segments: &[Segment]) -> usize {
    let mut count = 0;
    let mut in_change = false;
    for s in segments {
        let changed = !matches!(s, Segment::Same(_));
        if changed && !in_change {
            count += 1;
        }
        in_change = changed;
    }
    count
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// Myers' alignment of the middle parts (`similar`: linear space, time growing with the
/// number of edits); past `MAX_CELLS` the middle is one replacement, so that a long text
/// rewritten from scratch costs nothing per keystroke.
fn align(a: &[char], b: &[char], ops: &mut Vec<(Op, char)>) {
    if a.is_empty() || b.is_empty() || a.len().saturating_mul(b.len()) > MAX_CELLS {
        ops.extend(a.iter().map(|&c| (Op::Removed, c)));
        ops.extend(b.iter().map(|&c| (Op::Added, c)));
        return;
    }
    for change in similar::capture_diff_slices(similar::Algorithm::Myers, a, b) {
        use similar::DiffOp;
        match change {
            DiffOp::Equal { old_index, len, .. } => {
                ops.extend(a[old_index..old_index + len].iter().map(|&c| (Op::Same, c)));
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                ops.extend(a[old_index..old_index + old_len].iter().map(|&c| (Op::Removed, c)));
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                ops.extend(b[new_index..new_index + new_len].iter().map(|&c| (Op::Added, c)));
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                ops.extend(a[old_index..old_index + old_len].iter().map(|&c| (Op::Removed, c)));
                ops.extend(b[new_index..new_index + new_len].iter().map(|&c| (Op::Added, c)));
            }
        }
    }
}

/// Runs of one kind of op become segments; within a change, removals come before additions.
fn group(ops: &[(Op, char)]) -> Vec<Segment> {
    let mut out = Vec::new();
    let (mut removed, mut added, mut same) = (String::new(), String::new(), String::new());
    let flush_change = |out: &mut Vec<Segment>, removed: &mut String, added: &mut String| {
        if !removed.is_empty() {
            out.push(Segment::Removed(std::mem::take(removed)));
        }
        if !added.is_empty() {
            out.push(Segment::Added(std::mem::take(added)));
        }
    };
    for &(op, c) in ops {
        match op {
            Op::Same => {
                flush_change(&mut out, &mut removed, &mut added);
                same.push(c);
            }
            Op::Removed | Op::Added => {
                if !same.is_empty() {
                    out.push(Segment::Same(std::mem::take(&mut same)));
                }
                if op == Op::Removed { removed.push(c) } else { added.push(c) }
            }
        }
    }
    flush_change(&mut out, &mut removed, &mut added);
    if !same.is_empty() {
        out.push(Segment::Same(same));
    }
    out
}

/// Folds short unchanged runs that sit between two changes into those changes.
fn fold(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        if let Segment::Same(s) = &segments[i] {
            let between_changes = i > 0
                && i + 1 < segments.len()
                && !matches!(out.last(), Some(Segment::Same(_)) | None)
                && !matches!(segments[i + 1], Segment::Same(_));
            if between_changes && s.chars().count() <= FOLD_CHARS {
                // Make the text part of both sides of one change.
                let (mut removed, mut added) = take_change(&mut out);
                removed.push_str(s);
                added.push_str(s);
                i += 1;
                while i < segments.len() {
                    match &segments[i] {
                        Segment::Removed(r) => removed.push_str(r),
                        Segment::Added(a) => added.push_str(a),
                        Segment::Same(_) => break,
                    }
                    i += 1;
                }
                push_change(&mut out, removed, added);
                continue;
            }
        }
        out.push(segments[i].clone());
        i += 1;
    }
    out
}

fn take_change(out: &mut Vec<Segment>) -> (String, String) {
    let (mut removed, mut added) = (String::new(), String::new());
    while let Some(last) = out.last() {
        match last {
            Segment::Removed(r) => removed.insert_str(0, r),
            Segment::Added(a) => added.insert_str(0, a),
            Segment::Same(_) => break,
        }
        out.pop();
    }
    (removed, added)
}

fn push_change(out: &mut Vec<Segment>, removed: String, added: String) {
    if !removed.is_empty() {
        out.push(Segment::Removed(removed));
    }
    if !added.is_empty() {
        out.push(Segment::Added(added));
    }
}

#[cfg(test)]
mod tests {
    use super::Segment::*;
    use super::*;

    fn s(x: &str) -> String {
        x.to_string()
    }

    /// Applying the diff must give back both texts.
    fn check_round_trip(old: &str, new: &str) -> Vec<Segment> {
        let d = diff(old, new);
        let rebuilt_old: String = d
            .iter()
            .filter_map(|x| match x {
                Same(t) | Removed(t) => Some(t.as_str()),
                Added(_) => None,
            })
            .collect();
        let rebuilt_new: String = d
            .iter()
            .filter_map(|x| match x {
                Same(t) | Added(t) => Some(t.as_str()),
                Removed(_) => None,
            })
            .collect();
        assert_eq!(rebuilt_old, old);
        assert_eq!(rebuilt_new, new);
        d
    }

    #[test]
    fn identical_text_is_one_unchanged_segment() {
        assert_eq!(check_round_trip("多喝水", "多喝水"), vec![Same(s("多喝水"))]);
        assert_eq!(diff("", ""), vec![]);
        assert_eq!(change_count(&diff("多喝水", "多喝水")), 0);
    }

    #[test]
    fn chinese_replacement_is_one_change() {
        let d = check_round_trip("布洛芬每日三次，每次200mg", "布洛芬每日两次，每次200mg");
        assert_eq!(d, vec![Same(s("布洛芬每日")), Removed(s("三")), Added(s("两")), Same(s("次，每次200mg"))]);
        assert_eq!(change_count(&d), 1);
    }

    #[test]
    fn insertion_and_deletion() {
        assert_eq!(
            check_round_trip("建议休息。", "建议卧床休息。"),
            vec![Same(s("建议")), Added(s("卧床")), Same(s("休息。"))]
        );
        assert_eq!(
            check_round_trip("请立即服用阿司匹林并休息。", "请休息。"),
            vec![Same(s("请")), Removed(s("立即服用阿司匹林并")), Same(s("休息。"))]
        );
        assert_eq!(check_round_trip("", "新增"), vec![Added(s("新增"))]);
        assert_eq!(check_round_trip("删除", ""), vec![Removed(s("删除"))]);
    }

    #[test]
    fn mixed_chinese_and_latin_with_units() {
        let d = check_round_trip("每次 500 mg，q8h 口服", "每次 250 mg，q12h 口服");
        assert_eq!(change_count(&d), 2);
        assert!(d.contains(&Removed(s("5"))) || d.iter().any(|x| matches!(x, Removed(t) if t.contains('5'))));
    }

    #[test]
    fn short_unchanged_runs_between_changes_are_folded() {
        // "甲乙丙" → "丁乙戊": the lone unchanged "乙" joins one change.
        assert_eq!(check_round_trip("甲乙丙", "丁乙戊"), vec![Removed(s("甲乙丙")), Added(s("丁乙戊"))]);
        // A long unchanged run keeps two changes apart.
        assert_eq!(change_count(&check_round_trip("甲一二三四五丙", "丁一二三四五戊")), 2);
    }

    #[test]
    fn very_long_texts_fall_back_to_one_replacement() {
        let old = "甲".repeat(3000);
        let new = "乙".repeat(3000) + "甲";
        let d = check_round_trip(&old, &new);
        assert_eq!(change_count(&d), 1, "{d:?}");
    }
}
