//! Refused requests in each language: one sentence per `domain::Problem`, with its details.
use crate::domain::{NameKind, Problem};

/// How a catalog says why a request was refused.
pub type SayProblem = fn(&Problem) -> String;

/// The server's own English text.
pub fn en(p: &Problem) -> String {
    p.to_string()
}

fn name_zh(k: NameKind) -> &'static str {
    match k {
        NameKind::Username => "用户名",
        NameKind::DatasetName => "数据集名称",
    }
}

pub fn zh_cn(p: &Problem) -> String {
    use Problem::*;
    match p {
        NameLength { kind, max } => format!("{}须为 1 至 {max} 个字符", name_zh(*kind)),
        NameCharacter { kind, found } => {
            format!("{}只能包含字母、数字、`-`、`_` 和 `.`，不能包含 `{found}`", name_zh(*kind))
        }
        NameLeadingDot { kind } => format!("{}不能以 `.` 开头", name_zh(*kind)),
        PasswordLength { min, max } => format!("密码须为 {min} 至 {max} 个字符"),
        UsernameTaken { name } => format!("用户名 `{name}` 已被使用"),
        SpecialtyTooLong { specialty, max } => format!("专长科室 `{specialty}` 超过 {max} 个字符"),
        LastAdmin => "不能停用最后一位启用的管理员，也不能更改其角色".into(),
        DatasetExists { name } => format!("名为 `{name}` 的数据集已存在"),
        OverlapTarget { max, found } => format!("每条评审人数须为 1 至 {max}，而不是 {found}"),
        LeaseLength { seconds } => format!("保留时间须为 1 分钟至 24 小时，而不是 {seconds} 秒"),
        DepartmentTooLong { max } => format!("科室名称超过 {max} 个字符"),
        PromptTemplate => "提示模板须为 `chatml`、`chimed`，或包含 `{question}` 的文本".into(),
        GoldRate => "金标准比例须在 0 至 0.5 之间".into(),
        AxisTwice { axis } => format!("评分维度 `{axis}` 重复列出"),
        NotAModelName { name } => format!("`{name}` 不是模型名称（须为单个目录名或端点名，不能含路径）"),
        Temperature => "`temperature` 须在 0 至 5 之间".into(),
        TopP => "`top_p` 须大于 0 且不超过 1".into(),
        MaxNewTokens => "`max_new_tokens` 须在 1 至 4096 之间".into(),
        Regeneration { problem } => format!("重新生成设置：{}", zh_cn(problem)),
        EndpointName => "端点名称须为 1 至 64 个字母、数字、`.`、`_` 或 `-`".into(),
        EndpointModel => "请填写该端点提供的模型名称（1 至 200 个字符）".into(),
        EndpointTimeout => "超时须为 1 至 3600 秒".into(),
        EndpointRetries => "重试次数须为 0 至 10".into(),
        LocalModelName { name } => format!("`{name}` 是本地模型的名称"),
        KeyForNewAddress { old } => format!("地址已从 `{old}` 更改：请为新地址重新输入密钥"),
        NotAnAddress { url } => format!("`{url}` 不是有效地址"),
        AddressScheme => "地址须以 `http://` 或 `https://` 开头并包含主机名".into(),
        AddressCredentials => "请把密钥填在密钥栏中，不要写在地址里".into(),
        AddressFragment => "地址不能包含 `#` 部分".into(),
        AddressNeverAllowed { host } => format!("`{host}` 是链路本地或元数据地址，不可能是模型服务器"),
        AddressNotAllowed { host } => {
            format!("`{host}` 不在本服务器允许的端点主机之列（`MEDPREF_ENDPOINT_HOSTS`）")
        }
        NoModel => "该数据集没有用于重新生成回答的模型".into(),
        ModelNotInstalled { name } => format!("该数据集的模型 `{name}` 未安装在服务器上"),
        NoRewardModel => "仅评分任务需要该数据集的奖励模型".into(),
        JobN { max } => format!("N 须为 1 至 {max}"),
        JobK { max } => format!("k 须为 1 至 {max}"),
        SelectionEmpty => "该数据集中没有符合所选条件的条目".into(),
        JobState { state } => format!("该任务{}，无法执行此操作", super::generate::ZH_CN.state(*state)),
        AnswerExists => "该回答已添加过".into(),
        MinAgreement { found } => format!("`min_agreement` 须在 0 至 1 之间，而不是 `{found}`"),
        MinJudgments { found } => format!("`min_judgments` 须为 1 至 50，而不是 {found}"),
        Margin { field, found } => format!("`{field}` 须为 0 至 100 之间的数，而不是 `{found}`"),
        Day { field, found } => format!("`{field}` 须为 `YYYY-MM-DD` 格式的日期，而不是 `{found}`"),
        DaysReversed { from, to } => format!("起始日期（{from}）晚于结束日期（{to}）"),
        UnknownExportOption { option } => format!("未知的导出选项 `{option}`"),
        SampleSize { max } => format!("一个样本须含 1 至 {max} 个条目"),
        NothingDecided => "该数据集还没有已判定的条目".into(),
        DecisionKind => "该判定与数据集的类型不符".into(),
        QueryTooLong { max } => format!("搜索文本最多 {max} 个字符"),
        UnknownItemState { value } => format!("未知的条目状态 `{value}`"),
        UnknownFlagFilter { value } => format!("未知的标记筛选 `{value}`"),
        UnknownFlagKind { kind } => format!("未知的标记类型 `{kind}`"),
        TextTooLong { max_mb } => format!("文本最多 {max_mb} MB"),
        FileTooLarge { mb, limit_mb } => format!("文件有 {mb} MB，超过上传上限 {limit_mb} MB"),
        UploadTooLarge { limit_mb } => format!("文件超过上传上限 {limit_mb} MB"),
        UploadBrokeOff => "上传中断".into(),
        BodyTooLarge { limit_mib } => format!("请求内容超过 {limit_mib} MiB"),
        MappingPart { part } => format!("`{part}` 不是 `part=field` 的形式"),
        MappingUnknownPart { part } => {
            format!("未知的部分 `{part}`（可用：`question`、`answer`、`system`、`department`）")
        }
        MappingNeeds { part } => format!("字段映射须包含 `{part}=FIELD`"),
        // serde's English names the field; the browser never sends such a request, so the
        // Chinese sentence says what happened and the API's `message` keeps the detail.
        BadRequest { .. } => "请求参数无法解析".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every problem (the match in `zh_cn` makes a new variant a compile error there;
    /// this list is what the test below reads).
    fn every_problem() -> Vec<Problem> {
        use Problem::*;
        let s = |v: &str| v.to_string();
        vec![
            NameLength { kind: NameKind::Username, max: 64 },
            NameCharacter { kind: NameKind::DatasetName, found: s("/") },
            NameLeadingDot { kind: NameKind::DatasetName },
            PasswordLength { min: 12, max: 256 },
            UsernameTaken { name: s("doctor1") },
            SpecialtyTooLong { specialty: s("心内科"), max: 50 },
            LastAdmin,
            DatasetExists { name: s("reward") },
            OverlapTarget { max: 50, found: 0 },
            LeaseLength { seconds: 5 },
            DepartmentTooLong { max: 50 },
            PromptTemplate,
            GoldRate,
            AxisTwice { axis: s("safety") },
            NotAModelName { name: s("../x") },
            Temperature,
            TopP,
            MaxNewTokens,
            Regeneration { problem: Box::new(TopP) },
            EndpointName,
            EndpointModel,
            EndpointTimeout,
            EndpointRetries,
            LocalModelName { name: s("qwen") },
            KeyForNewAddress { old: s("http://gpu-01:8000/v1") },
            NotAnAddress { url: s("not a url") },
            AddressScheme,
            AddressCredentials,
            AddressFragment,
            AddressNeverAllowed { host: s("169.254.169.254") },
            AddressNotAllowed { host: s("gpu-02") },
            NoModel,
            ModelNotInstalled { name: s("qwen") },
            NoRewardModel,
            JobN { max: 16 },
            JobK { max: 20 },
            SelectionEmpty,
            JobState { state: crate::domain::job::JobState::Done },
            AnswerExists,
            MinAgreement { found: s("1.5") },
            MinJudgments { found: 0 },
            Margin { field: s("margin_clear"), found: s("NaN") },
            Day { field: s("from"), found: s("2026-13") },
            DaysReversed { from: s("2026-03-02"), to: s("2026-03-01") },
            UnknownExportOption { option: s("shuffle") },
            SampleSize { max: 1000 },
            NothingDecided,
            DecisionKind,
            QueryTooLong { max: 100 },
            UnknownItemState { value: s("closed") },
            UnknownFlagFilter { value: s("pii") },
            UnknownFlagKind { kind: s("pii") },
            TextTooLong { max_mb: 1 },
            FileTooLarge { mb: 80, limit_mb: 64 },
            UploadTooLarge { limit_mb: 64 },
            UploadBrokeOff,
            BodyTooLarge { limit_mib: 64 },
            MappingPart { part: s("question") },
            MappingUnknownPart { part: s("q") },
            MappingNeeds { part: s("answer") },
            BadRequest { detail: s("missing field `dataset`") },
        ]
    }

    /// The Chinese UI never shows the server's English: outside the `quoted values` a
    /// sentence keeps, no English word of three letters or more is left.
    #[test]
    fn every_problem_has_a_chinese_sentence() {
        let all = every_problem();
        for p in &all {
            let zh = zh_cn(p);
            let outside_code: String = zh.split('`').step_by(2).collect();
            let english: Vec<&str> = outside_code
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() >= 3 && !["MiB"].contains(w))
                .collect();
            assert!(english.is_empty(), "{p:?}: {zh} ({english:?})");
            assert_ne!(zh, en(p), "{p:?}");
            assert!(!en(p).is_empty(), "{p:?}");
        }
        // Every variant is in the list: their codes on the wire are all different and there are
        // as many as the enum has (counted from the English `Display` arms of `domain::problem`).
        let codes: std::collections::BTreeSet<String> =
            all.iter().map(|p| serde_json::to_value(p).unwrap()["code"].as_str().unwrap().to_string()).collect();
        let declared = include_str!("../../../crates/domain/src/problem.rs").matches("#[error(").count();
        assert_eq!(codes.len(), declared, "a problem is missing from every_problem()");
    }

    #[test]
    fn a_problem_travels_as_its_code_and_comes_back() {
        for p in every_problem() {
            let wire = serde_json::to_string(&crate::error::AppError::from(p.clone())).unwrap();
            let back: crate::error::AppError = serde_json::from_str(&wire).unwrap();
            assert!(matches!(back, crate::error::AppError::Invalid(ref i) if i.0 == p), "{wire}");
        }
    }
}
