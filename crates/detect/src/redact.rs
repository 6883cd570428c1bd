//! Replacing spans by their category placeholders, and keeping other spans of the same
//! text pointing at the same characters afterwards.
use medpref_domain::flag::Category;

/// `text` with every span (character offsets) replaced by its placeholder. Overlapping
/// spans merge; the earlier span's category names the merged one.
pub fn redact(text: &str, spans: &[(usize, usize, Category)]) -> (String, Edits) {
    let mut spans: Vec<(usize, usize, Category)> = spans.to_vec();
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut merged: Vec<(usize, usize, Category)> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.0 < last.1 => last.1 = last.1.max(s.1),
            _ => merged.push(s),
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::with_capacity(merged.len());
    let mut at = 0;
    for (start, end, category) in merged {
        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
        out.extend(&chars[at..start]);
        out.push_str(category.placeholder());
        edits.push(Edit { start, end, replacement: category.placeholder().chars().count() });
        at = end;
    }
    out.extend(&chars[at.min(chars.len())..]);
    (out, Edits(edits))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    start: usize,
    end: usize,
    replacement: usize,
}

/// The replacements made by [`redact`], to move other spans along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edits(Vec<Edit>);

impl Edits {
    /// Where a span of the old text is in the new one; `None` if it overlapped a replacement.
    pub fn map(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let mut shift: isize = 0;
        for e in &self.0 {
            if start < e.end && e.start < end {
                return None;
            }
            if e.end <= start {
                shift += e.replacement as isize - (e.end - e.start) as isize;
            }
        }
        Some(((start as isize + shift) as usize, (end as isize + shift) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_placeholders_and_later_spans_move() {
        let text = "请联系张医生13812345678，地址见下";
        let (out, edits) = redact(text, &[(6, 17, Category::Phone)]);
        assert_eq!(out, "请联系张医生〔电话〕，地址见下");
        assert_eq!(edits.map(3, 6), Some((3, 6)), "before: unchanged");
        assert_eq!(edits.map(18, 20), Some((11, 13)), "after: shifted by the length change");
        assert_eq!(edits.map(10, 12), None, "inside a redaction");
    }

    #[test]
    fn overlapping_spans_merge_and_out_of_range_is_clamped() {
        let (out, _) = redact("北京大学第三医院张立博士", &[(0, 8, Category::Hospital), (6, 12, Category::DoctorName)]);
        assert_eq!(out, "〔医院〕");
        let (out, _) = redact("abc", &[(1, 99, Category::Name)]);
        assert_eq!(out, "a〔姓名〕");
    }
}
