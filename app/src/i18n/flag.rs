//! Strings of the flag panel and the flag queue, per language.
use crate::flag::{Category, Concern, FlagProblem, FlagStatus, Harm};

// Serialised only by the tests, to check every string.
#[cfg_attr(test, derive(serde::Serialize))]
pub struct FlagText {
    pub title: &'static str,
    pub hint: &'static str,
    pub add: &'static str,
    pub none: &'static str,
    pub scope: &'static str,
    pub scope_span: &'static str,
    pub scope_text: &'static str,
    pub scope_item: &'static str,
    pub text: &'static str,
    pub category: &'static str,
    pub concern: &'static str,
    pub severity: &'static str,
    pub note: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub confirm: &'static str,
    pub dismiss: &'static str,
    pub detector: &'static str,
    pub reviewer: &'static str,
    pub whole_item: &'static str,
    pub question: &'static str,
    pub answer: &'static str,
    pub corrected: &'static str,
    pub final_version: &'static str,
    pub queue_title: &'static str,
    pub queue_link: &'static str,
    pub queue_empty: &'static str,
    pub all: &'static str,
    pub filter: &'static str,
    pub redact: &'static str,
    pub edit: &'static str,
    pub save_edit: &'static str,
    pub exclude: &'static str,
    pub excluded: &'static str,
    pub back: &'static str,
    pub bulk_title: &'static str,
    pub bulk_hint: &'static str,
    pub bulk_open: &'static str,
    pub bulk_actions: &'static str,
    pub bulk_gating: &'static str,
    pub bulk_confirm_all: &'static str,
    pub bulk_dismiss_all: &'static str,
    pub bulk_will_confirm: &'static str,
    pub bulk_will_dismiss: &'static str,
    pub bulk_yes: &'static str,
    pub bulk_done: &'static str,
    pub bulk_pick_dataset: &'static str,
    pub dataset: &'static str,
    pub gates_on: &'static str,
    pub gates_off: &'static str,
    /// Indexed like `Category::ALL`, `Concern::ALL`, `Harm::ALL`, `FlagStatus::ALL`, `FlagProblem` variants.
    categories: [&'static str; 14],
    concerns: [&'static str; 6],
    harms: [&'static str; 5],
    statuses: [&'static str; 4],
    problems: [&'static str; 11],
}

impl FlagText {
    pub fn category(&self, c: Category) -> &'static str {
        self.categories[category_index(c)]
    }
    pub fn concern(&self, c: Concern) -> &'static str {
        self.concerns[concern_index(c)]
    }
    pub fn harm(&self, h: Harm) -> &'static str {
        self.harms[harm_index(h)]
    }
    pub fn status(&self, s: FlagStatus) -> &'static str {
        self.statuses[status_index(s)]
    }
    pub fn kind(&self, k: crate::flag::FlagKind) -> &'static str {
        match k {
            crate::flag::FlagKind::Span(c) => self.category(c),
            crate::flag::FlagKind::Concern(c) => self.concern(c),
        }
    }
    pub fn problem(&self, p: FlagProblem) -> &'static str {
        use FlagProblem::*;
        self.problems[match p {
            SpanNotFound => 0,
            EmptySpan => 1,
            WrongKind => 2,
            NeedSeverity => 3,
            NeedNote => 4,
            NotRedactable => 5,
            NothingChosen => 6,
            TooLong => 7,
            CountChanged => 8,
            NeverGates => 9,
            TextChanged => 10,
        }]
    }
    pub fn bulk_will(&self, v: crate::flag::Verdict) -> &'static str {
        match v {
            crate::flag::Verdict::Confirm => self.bulk_will_confirm,
            crate::flag::Verdict::Dismiss => self.bulk_will_dismiss,
        }
    }
}

/// Where each variant's label sits in the arrays above: exhaustive, so a new variant does not
/// compile until it has a label (the old lookup fell back to the first label).
const fn category_index(v: Category) -> usize {
    match v {
        Category::IdNumber => 0,
        Category::Phone => 1,
        Category::Email => 2,
        Category::Url => 3,
        Category::Handle => 4,
        Category::Hospital => 5,
        Category::DoctorName => 6,
        Category::Name => 7,
        Category::Address => 8,
        Category::RecordNumber => 9,
        Category::BankCard => 10,
        Category::AgeSex => 11,
        Category::Advertising => 12,
        Category::RedactionMarker => 13,
    }
}

const fn concern_index(v: Concern) -> usize {
    match v {
        Concern::Pii => 0,
        Concern::Unsafe => 1,
        Concern::Referral => 2,
        Concern::Political => 3,
        Concern::Hallucination => 4,
        Concern::Other => 5,
    }
}

const fn harm_index(v: Harm) -> usize {
    match v {
        Harm::None => 0,
        Harm::Minor => 1,
        Harm::Moderate => 2,
        Harm::Severe => 3,
        Harm::LifeThreatening => 4,
    }
}

const fn status_index(v: FlagStatus) -> usize {
    match v {
        FlagStatus::Open => 0,
        FlagStatus::Confirmed => 1,
        FlagStatus::Dismissed => 2,
        FlagStatus::Resolved => 3,
    }
}

pub static ZH_CN: FlagText = FlagText {
    title: "敏感内容",
    hint: "选中文字后按 F 标记；也可标记整段回答或整条。",
    add: "标记",
    none: "未发现敏感内容。",
    scope: "范围",
    scope_span: "所选文字",
    scope_text: "整段",
    scope_item: "整条",
    text: "文字",
    category: "类别",
    concern: "问题",
    severity: "危害程度",
    note: "备注",
    save: "保存标记",
    cancel: "取消",
    confirm: "确认",
    dismiss: "驳回",
    detector: "自动检测",
    reviewer: "审核员",
    whole_item: "整条",
    question: "问题",
    answer: "回答",
    corrected: "修改稿",
    final_version: "最终版本",
    queue_title: "待处理的敏感内容",
    queue_link: "敏感内容",
    queue_empty: "没有待处理的标记。",
    all: "全部",
    filter: "筛选",
    redact: "脱敏所选",
    edit: "编辑",
    save_edit: "保存修改",
    exclude: "排除此条",
    excluded: "已排除",
    back: "返回列表",
    bulk_title: "批量处理",
    bulk_hint: "按类别确认或驳回本数据集中所有待处理的自动检测片段；关闭某类别的导出拦截后，该类片段不再使条目被排除在导出之外（记入审计日志和导出清单）。",
    bulk_open: "待处理",
    bulk_actions: "批量操作",
    bulk_gating: "导出拦截",
    bulk_confirm_all: "全部确认",
    bulk_dismiss_all: "全部驳回",
    bulk_will_confirm: "将确认",
    bulk_will_dismiss: "将驳回",
    bulk_yes: "确定",
    bulk_done: "已处理片段：",
    bulk_pick_dataset: "选择一个数据集可按类别批量处理。",
    dataset: "数据集",
    gates_on: "拦截",
    gates_off: "不拦截",
    categories: [
        "身份证号",
        "电话",
        "邮箱",
        "网址",
        "用户名",
        "医院",
        "医生姓名",
        "姓名",
        "地址",
        "病案号",
        "银行卡号",
        "年龄性别",
        "广告",
        "原有隐私标记",
    ],
    concerns: ["个人信息", "不安全的医疗建议", "广告或导流", "政治或违法内容", "幻觉或编造来源", "其他"],
    harms: ["无", "轻微", "中等", "严重", "危及生命"],
    statuses: ["待处理", "已确认", "已驳回", "已解决"],
    problems: [
        "所选文字在原文中找不到（请在同一段内选择）。",
        "请选中或输入要标记的文字。",
        "文字片段用类别标记，整段或整条用问题标记。",
        "不安全的建议需要选择危害程度。",
        "“其他”需要填写备注。",
        "只能脱敏待处理或已确认的文字片段。",
        "请至少选择一个标记。",
        "文本最多 1 MB。",
        "预览之后数量有变化，请核对新的数量后再操作。",
        "该类别本来就不拦截导出。",
        "文本在此期间已被修改，请重新查看后再操作。",
    ],
};

pub static EN: FlagText = FlagText {
    title: "Sensitive content",
    hint: "Select text and press F to flag it; or flag a whole answer or the item.",
    add: "Flag",
    none: "Nothing sensitive found.",
    scope: "Scope",
    scope_span: "Selected text",
    scope_text: "Whole text",
    scope_item: "Whole item",
    text: "Text",
    category: "Category",
    concern: "Concern",
    severity: "Harm severity",
    note: "Note",
    save: "Save flag",
    cancel: "Cancel",
    confirm: "Confirm",
    dismiss: "Dismiss",
    detector: "detector",
    reviewer: "reviewer",
    whole_item: "whole item",
    question: "Question",
    answer: "Answer",
    corrected: "Correction",
    final_version: "Final version",
    queue_title: "Flags to resolve",
    queue_link: "Flags",
    queue_empty: "No unresolved flags.",
    all: "all",
    filter: "Filter",
    redact: "Redact selected",
    edit: "Edit",
    save_edit: "Save edit",
    exclude: "Exclude item",
    excluded: "excluded",
    back: "Back to the list",
    bulk_title: "Bulk actions",
    bulk_hint: "Confirm or dismiss every open detected span of a category in this dataset; with gating off for a category, its spans no longer keep items out of exports (recorded in the audit log and the export manifest).",
    bulk_open: "Open",
    bulk_actions: "Bulk action",
    bulk_gating: "Gates exports",
    bulk_confirm_all: "Confirm all",
    bulk_dismiss_all: "Dismiss all",
    bulk_will_confirm: "Confirm",
    bulk_will_dismiss: "Dismiss",
    bulk_yes: "Yes",
    bulk_done: "Spans changed:",
    bulk_pick_dataset: "Choose a dataset to act on a whole category.",
    dataset: "Dataset",
    gates_on: "on",
    gates_off: "off",
    categories: [
        "ID number",
        "phone",
        "email",
        "URL",
        "user handle",
        "hospital",
        "doctor's name",
        "name",
        "address",
        "record number",
        "bank card",
        "age and sex",
        "advertising",
        "upstream redaction",
    ],
    concerns: [
        "personal information",
        "unsafe medical advice",
        "advertising or referral",
        "political or illegal",
        "hallucination or fabricated source",
        "other",
    ],
    harms: ["none", "minor", "moderate", "severe", "life-threatening"],
    statuses: ["open", "confirmed", "dismissed", "resolved"],
    problems: [
        "The selected text is not in the original (select within one paragraph).",
        "Select or type the text to flag.",
        "A span takes a category; a whole text or item takes a concern.",
        "Unsafe advice needs a harm severity.",
        "\"Other\" needs a note.",
        "Only open or confirmed spans can be redacted.",
        "Choose at least one flag.",
        "The text is limited to 1 MB.",
        "The count changed since the preview; check the new count and try again.",
        "This category never gates exports.",
        "The text changed meanwhile; look at it again.",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The label arrays are in the order of each enum's `ALL`, and no two labels of a
    /// language are the same (a label shifted by one place would repeat or swap).
    #[test]
    fn every_label_sits_at_its_variant_and_labels_are_distinct() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(category_index(*c), i, "{c:?}");
        }
        for (i, c) in Concern::ALL.iter().enumerate() {
            assert_eq!(concern_index(*c), i, "{c:?}");
        }
        for (i, h) in Harm::ALL.iter().enumerate() {
            assert_eq!(harm_index(*h), i, "{h:?}");
        }
        for (i, v) in FlagStatus::ALL.iter().enumerate() {
            assert_eq!(status_index(*v), i, "{v:?}");
        }
        for t in [&ZH_CN, &EN] {
            for labels in [&t.categories[..], &t.concerns[..], &t.harms[..], &t.statuses[..]] {
                let distinct: std::collections::HashSet<_> = labels.iter().collect();
                assert_eq!(distinct.len(), labels.len(), "{labels:?}");
            }
        }
    }
}
