//! Import problems in each language: one sentence per `import::Problem`, with its details.
use crate::import::{JsonKind, MAX_ANSWERS, MAX_FIELD_BYTES, MIN_ANSWERS, Problem};

/// How a catalog says an import problem.
pub type SayProblem = fn(&Problem) -> String;

/// The server's own English text.
pub fn en(p: &Problem) -> String {
    p.to_string()
}

fn kind_zh(k: JsonKind) -> &'static str {
    match k {
        JsonKind::Null => "null",
        JsonKind::Boolean => "布尔值",
        JsonKind::Number => "数字",
        JsonKind::String => "字符串",
        JsonKind::Array => "数组",
        JsonKind::Object => "对象",
    }
}

pub fn zh_cn(p: &Problem) -> String {
    use Problem::*;
    match p {
        NotUtf8 { byte } => format!("不是有效的 UTF-8 编码（第 {byte} 个字节）"),
        NoRecords => "文件中没有记录".into(),
        InvalidJson { column, .. } => format!("不是有效的 JSON（约第 {column} 列）"),
        NotAnObject { found } => format!("应为 JSON 对象，实际为{}", kind_zh(*found)),
        MissingField { path } => format!("缺少字段 `{path}`"),
        Missing { path } => format!("缺少 `{path}`"),
        NotAString { path, found } => format!("字段 `{path}` 应为字符串，实际为{}", kind_zh(*found)),
        NotAnArray { path, found } => format!("字段 `{path}` 应为数组，实际为{}", kind_zh(*found)),
        NotArrayOrNull { path, found } => format!("字段 `{path}` 应为数组或 null，实际为{}", kind_zh(*found)),
        NotATurnObject { path } => format!("`{path}` 应为对象"),
        EmptyField { path } => format!("字段 `{path}` 为空"),
        TooLarge { path, bytes } => {
            format!("字段 `{path}` 有 {:.1} MB，上限为 {} MB", *bytes as f64 / 1e6, MAX_FIELD_BYTES >> 20)
        }
        HistoryNotPairs => "字段 `history` 应为 [问题, 回答] 对的数组".into(),
        HistoryTurn { index } => format!("`history[{index}]` 应为一个 [问题, 回答] 对"),
        LateSystemTurn { path } => format!("`{path}` 是系统轮次；只有第一轮可以是系统轮次"),
        TurnOutOfOrder { path, speaker, expected } => {
            format!("`{path}` 是 `{speaker}`，此处应为 `{expected}`（提问与回答须交替）")
        }
        UnsupportedTurn { path, speaker } => format!(
            "`{path}` 是 `{speaker}`：medpref 只读取 system、human/user 和 gpt/assistant 轮次，暂不支持工具与函数调用轮次"
        ),
        SystemTwice => "`system` 字段与对话中的系统轮次不一致；系统提示只需给出一次".into(),
        MustEndWithQuestion { field } => format!("`{field}` 应以待回答的提问（human 轮次）结尾"),
        MustEndWithAnswer { field } => format!("`{field}` 应以回答（gpt 轮次）结尾，且之前至少有一个提问"),
        AnswerTurns { field, turns } => format!("字段 `{field}` 有 {turns} 个轮次；一个回答只能是一个助手轮次"),
        NotAnAnswerTurn { path, speaker } => format!("`{path}` 是 `{speaker}`；回答应为 `gpt`/`assistant` 轮次"),
        AnswerCount { count } => format!("`answers` 有 {count} 项；每条需要 {MIN_ANSWERS} 到 {MAX_ANSWERS} 个回答"),
        EmptyTarget => "`target` 为空：没有模型回答的记录无从纠错".into(),
        NeedsMapping => "jsonl 格式需要字段映射".into(),
        WrongKind { dataset, existing, format } => format!(
            "`{dataset}` 是{}数据集；`{}` 格式的记录需要{}数据集",
            kind_name(*existing),
            format.as_str(),
            kind_name(format.dataset_kind())
        ),
        NothingValid { quarantined } => format!("文件中的 {quarantined} 条记录都无效；没有可导入的内容"),
        JsonArray => "文件是一个 JSON 数组，而不是 `JSON Lines`：请每行写一条记录（例如 `jq -c '.[]' FILE`）".into(),
        SameAnswers { first, second } => format!("第 {first} 个和第 {second} 个回答完全相同，无从比较"),
    }
}

fn kind_name(k: crate::import::DatasetKind) -> &'static str {
    match k {
        crate::import::DatasetKind::Compare => "比较",
        crate::import::DatasetKind::Correct => "纠错",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{DatasetKind, ImportFormat};

    /// One of each problem, as the parsers make them.
    fn every_problem() -> Vec<Problem> {
        use Problem::*;
        let path = || "conversations[1].from".to_string();
        vec![
            NotUtf8 { byte: 7 },
            NoRecords,
            InvalidJson { detail: "expected value at line 1 column 1".into(), column: 1 },
            NotAnObject { found: JsonKind::Array },
            MissingField { path: path() },
            Missing { path: path() },
            NotAString { path: path(), found: JsonKind::Number },
            NotAnArray { path: path(), found: JsonKind::Object },
            NotArrayOrNull { path: path(), found: JsonKind::String },
            NotATurnObject { path: path() },
            EmptyField { path: path() },
            TooLarge { path: path(), bytes: 2 << 20 },
            HistoryNotPairs,
            HistoryTurn { index: 2 },
            LateSystemTurn { path: path() },
            TurnOutOfOrder { path: path(), speaker: "gpt".into(), expected: "human".into() },
            UnsupportedTurn { path: path(), speaker: "function_call".into() },
            SystemTwice,
            MustEndWithQuestion { field: "conversations".into() },
            MustEndWithAnswer { field: "conversations".into() },
            AnswerTurns { field: "chosen".into(), turns: 2 },
            NotAnAnswerTurn { path: path(), speaker: "human".into() },
            AnswerCount { count: 9 },
            EmptyTarget,
            NeedsMapping,
            WrongKind { dataset: "qa".into(), existing: DatasetKind::Correct, format: ImportFormat::CmdReward },
            NothingValid { quarantined: 3 },
            JsonArray,
            SameAnswers { first: 1, second: 2 },
        ]
    }

    /// The Chinese UI never shows the server's English: outside the `field names` a
    /// sentence keeps, no English word of three letters or more is left.
    #[test]
    fn every_import_problem_has_a_chinese_sentence() {
        for p in every_problem() {
            let zh = zh_cn(&p);
            let outside_code: String = zh.split('`').step_by(2).collect();
            let english = outside_code
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| {
                    w.len() >= 3
                        && !["JSON", "UTF", "null", "medpref", "system", "human", "user", "gpt", "assistant", "jsonl"]
                            .contains(w)
                })
                .collect::<Vec<_>>();
            assert!(english.is_empty(), "{p:?}: {zh} ({english:?})");
            assert_ne!(zh, en(&p));
        }
    }
}
