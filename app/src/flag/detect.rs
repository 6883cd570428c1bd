//! Finds sensitive content in Chinese medical text: personal identifiers, quasi-identifiers,
//! source leaks and advertising. Runs on the server for every imported, edited or generated
//! answer. Spans are in characters (not bytes), so the browser can highlight them.
//!
//! Checksums separate identifiers from numbers that merely look like them: an 18-digit
//! number is an ID only if its ISO 7064 MOD 11-2 check digit and birth date hold; a bank
//! card only if it passes Luhn.
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

pub use super::Category;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Character offsets, end exclusive.
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub text: String,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("detector patterns are valid")
}

/// Runs of digits (with a trailing X for IDs), classified by length and checksum.
static DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+[Xx]?"));
static MOBILE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"));
static LANDLINE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:[(（]0[0-9]{2,3}[)）]|0[0-9]{2,3})[- ]?[2-9][0-9]{6,7}"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));
/// URLs, also with full-width punctuation (`http：//`, `。com`) as crawled Chinese text has them.
static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:https?|ftp)\s*[:：]\s*[/／]{2}[A-Za-z0-9-]+(?:[.．。][A-Za-z0-9-]+)*(?::[0-9]+)?(?:/[^\s，。！？、；）)】」\u{4e00}-\u{9fff}]*)?|www[.．。][A-Za-z0-9-]+(?:[.．。][A-Za-z0-9-]+)+[^\s，。！？、；）)】」\u{4e00}-\u{9fff}]*|[A-Za-z0-9-]{2,}[.．。](?:com|cn|net|org|gov|edu|cc|info)(?:[.．。]cn)?(?:/[^\s，。！？、；）)\u{4e00}-\u{9fff}]*)?",
    )
});
/// A user id or name right after a label such as 回答者 / 用户 / QQ / 微信.
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:回答者|提问者|用户名?|网友|昵称|QQ号?|qq号?|微信号?|VX|vx)\s*[:：]?\s*([A-Za-z0-9_\-\u{4e00}-\u{9fff}]{2,30})",
    )
});
static HOSPITAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[\u{4e00}-\u{9fff}A-Za-z0-9]{2,16}?(?:妇幼保健院|中医院|卫生院|医院|诊所|卫生服务中心)"));
/// A name (2–4 Chinese characters) directly before a title.
static DOCTOR: LazyLock<Regex> =
    LazyLock::new(|| re(r"([\u{4e00}-\u{9fff}]{2,4}?)(?:副主任医师|主任医师|主治医师|住院医师|医生|大夫|教授|博士)"));
static RECORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:病案号|住院号|门诊号|病历号|医保卡号|社保卡号|就诊卡号)\s*[:：]?\s*[A-Za-z0-9-]{4,}"));
static AGE_SEX: LazyLock<Regex> =
    LazyLock::new(|| re(r"[男女](?:性)?\s*[，,、/ ]?\s*[0-9]{1,3}\s*岁|[0-9]{1,3}\s*岁\s*[，,、/ ]?\s*[男女](?:性)?"));
static ADVERTISING: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"在线咨询|免费咨询|点击咨询|电话咨询|网上咨询|预约挂号|在线预约|免费预约|加微信|加QQ|添加微信|咨询热线|在线客服",
        r"|请点击|点击[^。，！？\s]{0,8}?(?:查看|咨询|详情|链接|进入|评价)|的客户反馈"
    ))
});
/// A street address: up to the house number, optionally with building and room.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[\u{4e00}-\u{9fff}]{2,14}?(?:路|街|大道|巷|胡同|弄)[0-9０-９一二三四五六七八九十百]+号(?:[0-9]+(?:号楼|栋|单元|室))*",
    )
});
static REDACTION: LazyLock<Regex> = LazyLock::new(|| re(r"图片因隐私问题无法显示|（?已隐藏）?|\*{3,}|某某医院"));

/// Common Chinese surnames: a doctor's name must start with one (keeps "您好医生" out).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Words that start like a surname but are not names ("谢谢大夫", "高级医师").
const NOT_NAMES: &[&str] = &["谢谢", "高级", "常规", "方便", "请问", "应该", "江湖", "全科", "专家", "主任"];

/// Provinces and large cities: a hospital name usually starts with one.
const PLACES: &[&str] = &[
    "北京",
    "上海",
    "天津",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "广州",
    "深圳",
    "厦门",
    "福州",
    "杭州",
    "南京",
    "武汉",
    "长沙",
    "成都",
    "西安",
    "郑州",
    "济南",
    "青岛",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "石家庄",
    "太原",
    "合肥",
    "南昌",
    "南宁",
    "昆明",
    "贵阳",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "拉萨",
    "呼和浩特",
    "海口",
    "三亚",
    "苏州",
    "无锡",
    "宁波",
    "温州",
    "东莞",
    "佛山",
    "珠海",
    "汕头",
    "赣州",
    "洛阳",
    "徐州",
    "常州",
    "烟台",
    "唐山",
    "保定",
];

/// Words that make a hospital a particular one even without a place: army and numbered
/// hospitals, university hospitals, well-known names.
const INSTITUTIONS: &[&str] = &[
    "解放军",
    "军区",
    "军医",
    "人民",
    "附属",
    "大学",
    "学院",
    "协和",
    "华山",
    "湘雅",
    "华西",
    "同济",
    "积水潭",
    "瑞金",
    "仁济",
    "中山",
    "西南",
    "天坛",
    "宣武",
    "安贞",
    "友谊",
    "总医院",
    "中心医院",
];

/// A place-name suffix (太原市, 南开区) makes a name particular, unless it is a level or a
/// common word (省级, 社区).
const PLACE_SUFFIXES: &[char] = &['省', '市', '县', '区', '州', '镇', '乡'];
const NOT_PLACES: &[&str] = &[
    "社区", "地区", "城区", "市区", "郊区", "山区", "城市", "都市", "本市", "本省", "外省", "全市", "全省", "各省",
    "各市", "景区", "小区", "病区",
];

/// Titles of people; a hospital name never contains one.
const TITLES: &[&str] = &["副主任医师", "主任医师", "主治医师", "住院医师", "医师", "医生", "大夫", "教授", "博士"];

/// Characters that end a lead-in before a name: a hospital name starts after the last one.
const LEAD_IN: &[char] = &[
    '去', '到', '在', '至', '于', '往', '找', '请', '议', '是', '和', '或', '与', '及', '的', '了', '者', '：', ':',
    '，', ',', '次', '家', '个', '些', '很', '过', '要', '就', '看', '该', '吗', '呢', '。', '、', '；', '么', '哪',
    '何', '各', '每', '有', '来', '送', '跑', '对', '让', '回',
];

/// Characters that do not occur in a person's name after the surname ("时候医生", "常感谢医生").
const NOT_IN_NAMES: &str = "些候看由感谢法生病院科室的了是在找问请给让向对跟和说去来到过要就会能可也都还很该做再又才多少您你我他她它们这那哪什么怎样吗呢吧啊呀好大小上下内外前后里时";

/// Where a particular hospital's name starts within `name` (after any lead-in), or `None`
/// when nothing in it names a particular one ("正规医院", "男科医院").
fn particular_start(name: &str) -> Option<usize> {
    let mut starts: Vec<usize> = PLACES.iter().chain(INSTITUTIONS).filter_map(|w| name.find(w)).collect();
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let level = chars.get(k + 1).is_some_and(|&(_, n)| n == '级');
        if PLACE_SUFFIXES.contains(&c) && k >= 2 && !level {
            let from = chars[k - 2].0;
            let word = &name[chars[k - 1].0..i + c.len_utf8()];
            if !NOT_PLACES.contains(&word) {
                starts.push(from);
            }
        }
    }
    // Numbered hospitals: 第四人民医院, 一七四医院.
    let numerals = "一二三四五六七八九〇零十";
    for (k, &(i, c)) in chars.iter().enumerate() {
        if c == '第'
            || (numerals.contains(c)
                && chars[k..].iter().take(3).all(|&(_, d)| numerals.contains(d))
                && chars.len() - k > 3)
        {
            starts.push(i);
        }
    }
    starts.into_iter().min()
}

fn check_id18(s: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    if s.len() != 18 || !s[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = s[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize] == s[17].to_ascii_uppercase() && plausible_date(&s[6..14])
}

/// `yyyymmdd` (or `yymmdd`) that could be a birth date.
fn plausible_date(d: &[u8]) -> bool {
    let n = |s: &[u8]| std::str::from_utf8(s).ok().and_then(|s| s.parse::<u32>().ok());
    let (y, m, day) = match d.len() {
        8 => (n(&d[..4]), n(&d[4..6]), n(&d[6..8])),
        6 => (n(&d[..2]).map(|y| 1900 + y), n(&d[2..4]), n(&d[4..6])),
        _ => return false,
    };
    matches!((y, m, day), (Some(y), Some(m), Some(day)) if (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&day))
}

/// Issuer prefixes of cards used in China: UnionPay (62), Visa (4), Mastercard (51–55, 2),
/// and domestic debit cards (60). Keeps failed ID numbers that pass Luhn by chance out.
fn card_prefix(digits: &[u8]) -> bool {
    matches!(digits, [b'6', b'2' | b'0', ..] | [b'4', ..] | [b'5', b'1'..=b'5', ..] | [b'2', ..])
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 1 { if v * 2 > 9 { v * 2 - 9 } else { v * 2 } } else { v }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Finds every sensitive span, earlier and longer first; overlapping spans of lower
/// priority are dropped.
pub fn detect(text: &str) -> Vec<Span> {
    let mut found: Vec<(usize, usize, Category)> = Vec::new();
    let mut add = |start: usize, end: usize, category: Category| found.push((start, end, category));

    for m in REDACTION.find_iter(text) {
        add(m.start(), m.end(), Category::RedactionMarker);
    }
    for m in URL.find_iter(text) {
        add(m.start(), m.end(), Category::Url);
    }
    for m in EMAIL.find_iter(text) {
        add(m.start(), m.end(), Category::Email);
    }
    for m in RECORD.find_iter(text) {
        add(m.start(), m.end(), Category::RecordNumber);
    }
    for m in DIGITS.find_iter(text) {
        // A digit run glued to letters or other digits is part of something else (a URL, a code).
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) || after.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let s = m.as_str().as_bytes();
        // An 18-digit id with a valid check digit, or an old 15-digit one with a plausible birth date.
        let old_id = s.len() == 15 && s.iter().all(u8::is_ascii_digit) && plausible_date(&s[6..12]);
        if check_id18(s) || old_id {
            add(m.start(), m.end(), Category::IdNumber);
        } else if (16..=19).contains(&s.len()) && s.iter().all(u8::is_ascii_digit) && card_prefix(s) && luhn(s) {
            add(m.start(), m.end(), Category::BankCard);
        }
    }
    for m in MOBILE.find_iter(text).chain(LANDLINE.find_iter(text)) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        // "1500mg", dates and lab values: digits glued to more digits or units are not phones.
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        add(m.start(), m.end(), Category::Phone);
    }
    for c in HANDLE.captures_iter(text) {
        let m = c.get(1).expect("group 1");
        // "用户对于答案的评价" is prose; a handle carries digits or Latin letters.
        if m.as_str().chars().any(|c| c.is_ascii_alphanumeric()) {
            add(m.start(), m.end(), Category::Handle);
        }
    }
    for c in DOCTOR.captures_iter(text) {
        let name = c.get(1).expect("group 1");
        // The name is the last 2–3 characters before the title, starting with a surname.
        let chars: Vec<(usize, char)> = name.as_str().char_indices().collect();
        let start = (0..chars.len()).find(|&i| chars.len() - i <= 3 && SURNAMES.contains(chars[i].1));
        if let Some(i) = start {
            let candidate: String = chars[i..].iter().map(|(_, c)| c).collect();
            let plausible = !NOT_NAMES.iter().any(|w| candidate.starts_with(w))
                && !candidate.chars().skip(1).any(|c| NOT_IN_NAMES.contains(c));
            if chars.len() - i >= 2 && plausible {
                add(name.start() + chars[i].0, c.get(0).expect("match").end(), Category::DoctorName);
            }
        }
    }
    for m in HOSPITAL.find_iter(text) {
        let s = m.as_str();
        let after_lead_in = s
            .char_indices()
            .filter(|(_, c)| LEAD_IN.contains(c))
            .map(|(i, c)| i + c.len_utf8())
            .next_back()
            .unwrap_or(0);
        // "张立博士北京大学第三医院": the hospital starts after a person's title.
        let after_title = TITLES.iter().filter_map(|t| s.rfind(t).map(|i| i + t.len())).max().unwrap_or(0);
        let cut = after_lead_in.max(after_title);
        if let Some(start) = particular_start(&s[cut..]).map(|i| cut + i)
            && s[start..].chars().count() >= 4
        {
            add(m.start() + start, m.end(), Category::Hospital);
        }
    }
    for m in ADDRESS.find_iter(text) {
        // 天津市和平区和平路26号: from the place if one is named, else after the lead-in.
        let s = m.as_str();
        let lead_in = s
            .char_indices()
            .filter(|(_, c)| "去到在至于往是：:，,。、；".contains(*c))
            .map(|(i, c)| i + c.len_utf8())
            .next_back()
            .unwrap_or(0);
        let start = particular_start(&s[lead_in..]).map_or(lead_in, |i| lead_in + i);
        if s[start..].chars().count() >= 5 {
            add(m.start() + start, m.end(), Category::Address);
        }
    }
    for m in AGE_SEX.find_iter(text) {
        add(m.start(), m.end(), Category::AgeSex);
    }
    for m in ADVERTISING.find_iter(text) {
        add(m.start(), m.end(), Category::Advertising);
    }

    // Earlier first; at the same start, longer first; drop spans inside an earlier one.
    found.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
    let mut kept: Vec<(usize, usize, Category)> = Vec::new();
    for f in found {
        if kept.last().is_none_or(|last| f.0 >= last.1) {
            kept.push(f);
        }
    }
    kept.into_iter()
        .map(|(s, e, category)| Span {
            start: text[..s].chars().count(),
            end: text[..e].chars().count(),
            category,
            text: text[s..e].to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(text: &str) -> Vec<(Category, String)> {
        detect(text).into_iter().map(|s| (s.category, s.text)).collect()
    }

    fn has(text: &str, category: Category, span: &str) -> bool {
        cats(text).contains(&(category, span.to_string()))
    }

    #[test]
    fn id_numbers_need_a_valid_check_digit_and_date() {
        // 11010519491231002X: the standard example with check digit X.
        assert!(has("身份证号11010519491231002X。", Category::IdNumber, "11010519491231002X"));
        assert!(!has("证件：110105194912310021", Category::IdNumber, "110105194912310021"));
        assert!(has("旧证号110105491231002，", Category::IdNumber, "110105491231002"));
        assert!(cats("编号110105194913310029").is_empty(), "month 13 is no birth date");
    }

    #[test]
    fn phones_with_separators_and_area_codes() {
        assert!(has("电话13812345678咨询", Category::Phone, "13812345678"));
        assert!(has("请拨 +86 138-1234-5678", Category::Phone, "+86 138-1234-5678"));
        assert!(has("座机010-62345678", Category::Phone, "010-62345678"));
        assert!(has("(0571)87654321", Category::Phone, "(0571)87654321"));
    }

    #[test]
    fn numbers_that_only_look_like_phones_are_not() {
        for text in [
            "每日1500mg，分三次",
            "2023年11月22日复查",
            "血糖13.812345678",
            "白细胞12345678901mmol",
            "血小板计数150000000000/L",
            "编号138123456789",
        ] {
            assert!(
                !cats(text).iter().any(|(c, _)| *c == Category::Phone || *c == Category::IdNumber),
                "{text}: {:?}",
                cats(text)
            );
        }
    }

    #[test]
    fn urls_also_with_full_width_punctuation() {
        let line88 = "如擦高处的玻璃。http：//www.kf365.com/html/11/578.html回答者：75840098-高级魔法师七级11-1809：35";
        assert!(has(line88, Category::Url, "http：//www.kf365.com/html/11/578.html"));
        assert!(has(line88, Category::Handle, "75840098-高级魔法师七级11-1809"));
        assert!(has("访问www。haodf。com了解", Category::Url, "www。haodf。com"));
        assert!(has("见 https://example.org/a?b=1 。", Category::Url, "https://example.org/a?b=1"));
        assert!(has("邮箱 doctor.li@hospital.com.cn", Category::Email, "doctor.li@hospital.com.cn"));
    }

    #[test]
    fn named_doctors_and_hospitals_but_not_generic_words() {
        let line88 = "作者：张立博士北京大学第三医院骨科副主任医师卧床可缓解";
        assert!(has(line88, Category::DoctorName, "张立博士"), "{:?}", cats(line88));
        assert!(has(line88, Category::Hospital, "北京大学第三医院"), "{:?}", cats(line88));
        let sft595 = "建议在线咨询说明详情或者去解放军海军总医院做一个全面的检查";
        assert!(has(sft595, Category::Hospital, "解放军海军总医院"), "{:?}", cats(sft595));
        assert!(has(sft595, Category::Advertising, "在线咨询"));
        assert!(has("请找王建国主任医师复诊", Category::DoctorName, "王建国主任医师"));
        for text in [
            "建议去医院检查",
            "到正规医院治疗",
            "您好医生",
            "请咨询专业医生",
            "当地医院就诊",
            "谢谢大夫",
            "去过很多次医院",
            "私人医院",
            "男科医院",
        ] {
            assert!(
                !cats(text).iter().any(|(c, _)| matches!(c, Category::Hospital | Category::DoctorName)),
                "{text}: {:?}",
                cats(text)
            );
        }
    }

    #[test]
    fn records_bank_cards_and_age_sex() {
        assert!(has("住院号：ZY20230815", Category::RecordNumber, "住院号：ZY20230815"));
        assert!(
            has("卡号 6222020200112233445 转账", Category::BankCard, "6222020200112233445")
                == luhn(b"6222020200112233445")
        );
        assert!(has("卡号4111111111111111", Category::BankCard, "4111111111111111"));
        assert!(!has("卡号4111111111111112", Category::BankCard, "4111111111111112"), "Luhn fails");
        assert!(has("患者女，42岁，头痛三天", Category::AgeSex, "女，42岁"));
        assert!(has("35岁男性", Category::AgeSex, "35岁男性"));
    }

    #[test]
    fn redaction_markers_are_markers_not_pii() {
        let spans = detect("（图片因隐私问题无法显示）请问这是什么病");
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].category, Category::RedactionMarker);
        assert!(!spans[0].category.is_pii());
    }

    #[test]
    fn offsets_are_characters() {
        let text = "患者女，42岁";
        let s = &detect(text)[0];
        assert_eq!((s.start, s.end), (2, 7));
        assert_eq!(text.chars().skip(s.start).take(s.end - s.start).collect::<String>(), s.text);
    }
}
