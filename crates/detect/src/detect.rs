//! Finds sensitive content in Chinese medical text: personal identifiers, quasi-identifiers,
//! source leaks and advertising. Runs on the server for every imported, edited or generated
//! answer. Spans are in characters (not bytes), so the browser can highlight them.
//!
//! Checksums separate identifiers from numbers that merely look like them: an 18-digit
//! number is an ID only if its ISO 7064 MOD 11-2 check digit and birth date hold; a bank
//! card only if it passes Luhn.
use regex::Regex;
use std::sync::LazyLock;

pub use medpref_domain::flag::{Category, Span};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("detector patterns are valid")
}

/// Runs of digits (with a trailing X for IDs), classified by length and checksum.
static DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+[Xx]?"));
static MOBILE: LazyLock<Regex> = LazyLock::new(|| re(r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}"));
/// An area code, then 7–8 digits, also written in two groups (`010-8357-2916`).
static LANDLINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:[(（]0[0-9]{2,3}[)）]|0[0-9]{2,3})[- ]?[2-9][0-9]{2,3}[- ]?[0-9]{4}"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));
/// URLs, also with full-width punctuation (`http：//`, `。com`) as crawled Chinese text has them.
static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:https?|ftp)\s*[:：]\s*[/／]{2}[A-Za-z0-9-]+(?:[.．。][A-Za-z0-9-]+)*(?::[0-9]+)?(?:/[^\s，。！？、；）)】」\u{4e00}-\u{9fff}]*)?|www[.．。][A-Za-z0-9-]+(?:[.．。][A-Za-z0-9-]+)+[^\s，。！？、；）)】」\u{4e00}-\u{9fff}]*|[A-Za-z0-9-]{2,}[.．。](?:com|cn|net|org|gov|edu|cc|info)(?:[.．。]cn)?(?:/[^\s，。！？、；）)\u{4e00}-\u{9fff}]*)?",
    )
});
/// A user id right after a label such as 回答者 / 用户 / QQ / 微信; `detect` decides whether
/// the token after it looks like a handle.
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(回答者|提问者|用户名|用户|网友|昵称|QQ号?|qq号?|微信号?|VX|vx)(\s*[:：]?\s*)([A-Za-z0-9_.\-\u{4e00}-\u{9fff}]{2,30})",
    )
});
static HOSPITAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[\u{4e00}-\u{9fff}A-Za-z0-9]{2,16}?(?:妇幼保健院|中医院|卫生院|医院|诊所|卫生服务中心)"));
/// A person's title; the name is looked for right before it (`王建国主任医师`, `王医生`) or,
/// for the formal titles, right after it (`主治医师王建国，`). Longest first.
static TITLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"副主任医师|主任医师|主治医师|住院医师|护士长|主任|院长|医师|医生|大夫|教授|博士"));
static TITLE_THEN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:副主任医师|主任医师|主治医师|住院医师)([\u{4e00}-\u{9fff}]{2,3}?)(?:[，。、；：！？,.;:!?\s）)」”]|$|说|表示|认为|提醒|建议|介绍|指出|的)",
    )
});
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

/// Compound surnames (two characters).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "夏侯", "公孙", "尉迟", "长孙", "宇文", "司徒",
    "西门",
];

/// Words that start like a surname but are not names ("谢谢大夫", "高级医师", "高中教授").
const NOT_NAMES: &[&str] = &[
    "谢谢", "高级", "常规", "方便", "请问", "应该", "江湖", "全科", "专家", "主任", "高中", "初中", "大学", "中医",
    "西医", "家庭", "私人", "普通", "成为", "时候", "明白", "安全", "和蔼", "包括", "单位", "文化", "宁可", "任何",
    "于是", "项目", "管理", "路过", "连续", "齐全", "毕业", "卫生", "万一", "严格", "华人", "师傅", "钱财", "江苏",
    "段时", "麻醉", "药剂", "营养", "康复", "心理", "牙科",
];
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

/// Characters that do not occur in a person's name after the surname: function words,
/// verbs of consulting and treating ("应咨询医生", "于注射医生", "成为医生", "方式教授").
const NOT_IN_NAMES: &str = "些候看由感谢法生病院科室的了是在找问请给让向对跟和说去来到过要就会能可也都还很该做再又才多少您你我他她它们这那哪什么怎样吗呢吧啊呀好大小上下内外前后里时咨询诊治疗查检注射为成当作或及与以从用把被将式种类型等位名此其每各该";

/// Characters of transliterated foreign names (艾克斯博士, 席尔德博士), which are not the
/// Chinese personal names this detector is for.
const TRANSLITERATION: &str = "斯尔诺姆瑟丝娜莉";

/// Characters that may stand right before a name: the start, punctuation, or a word that
/// leads into one ("由张医生", "找王医生", "骨科李主任").
fn before_name(c: Option<char>) -> bool {
    c.is_none_or(|c| {
        !is_cjk(c) || "由找请是向和与及给问谢的位科院室诊者让被把对跟同经约挂叫称即见听据在为了".contains(c)
    })
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Whether `name` (surname and up to two characters) reads as a Chinese person's name.
fn plausible_name(name: &[char]) -> bool {
    let text: String = name.iter().collect();
    let surname_len = if COMPOUND_SURNAMES.iter().any(|s| text.starts_with(s)) { 2 } else { 1 };
    let given = name.get(surname_len..).unwrap_or_default();
    (surname_len == 2 || name.first().is_some_and(|c| SURNAMES.contains(*c)))
        && given.len() <= 2
        && !NOT_NAMES.iter().any(|w| text.starts_with(w))
        && !given.iter().any(|c| NOT_IN_NAMES.contains(*c) || TRANSLITERATION.contains(*c) || !is_cjk(*c))
}

/// The name right before a title that ends at char index `end` of `chars`: the longest
/// plausible one (surname and 0–2 characters) whose first character is not better read as
/// the word leading into it ("向王医生" is "王医生"; "向橡树博士" no name).
fn name_before(chars: &[char], end: usize) -> Option<usize> {
    (1..=3.min(end)).rev().map(|k| end - k).find(|&start| {
        let prev = start.checked_sub(1).map(|i| chars[i]);
        // "谢谢大夫": the character before and the surname make a word.
        let word: String = prev.into_iter().chain([chars[start]]).collect();
        plausible_name(&chars[start..end])
            && before_name(prev)
            && !NOT_NAMES.contains(&word.as_str())
            && !before_name(Some(chars[start]))
    })
}

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

/// Card numbers that payment processors publish for testing (Stripe, Braintree, Adyen):
/// they pass Luhn but belong to nobody.
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4000056655665556",
    "4111111111111111",
    "4012888888881881",
    "4000000000000002",
    "4000000000009995",
    "5555555555554444",
    "5200828282828210",
    "5105105105105100",
    "2223003122003222",
    "6200000000000005",
    "6011111111111117",
];

/// Domains reserved for examples and tests (RFC 2606, RFC 6761): placeholders, not sources.
fn reserved_domain(s: &str) -> bool {
    let host = s.rsplit('@').next().unwrap_or(s);
    let host = host.split_once("//").map_or(host, |(_, h)| h);
    let host = host.split(['/', ':', '?', '#']).next().unwrap_or(host).to_ascii_lowercase();
    ["example.com", "example.org", "example.net", "localhost"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid", ".localhost"].iter().any(|t| host.ends_with(t))
}

/// Byte ranges of Markdown code: fenced blocks (``` or ~~~) and inline `code`.
fn code_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)```.*?(?:```|\z)|~~~.*?(?:~~~|\z)|`[^`\n]+`"));
    CODE.find_iter(text).map(|m| m.range()).collect()
}

/// The handle a label capture names, as a byte range, or `None` when the words after the
/// label are prose ("用户可以使用Web浏览器…", "用户ID"). A handle starts with a Latin letter
/// or digit; after the weak label 用户, or without a colon, it must also hold a digit or
/// `_`; crawled Q&A sites' `回答者：75840098-高级魔法师…` (a number, then a rank) is kept whole.
fn handle(c: &regex::Captures) -> Option<(usize, usize)> {
    let (label, sep, token) = (c.get(1)?.as_str(), c.get(2)?.as_str(), c.get(3)?);
    let colon = sep.contains([':', '：']);
    let t = token.as_str();
    if !t.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let ascii_len = t.find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c))).unwrap_or(t.len());
    let ascii = t[..ascii_len].trim_end_matches(['.', '-']);
    let marked = ascii.chars().any(|c| c.is_ascii_digit() || c == '_');
    let strong = label != "用户";
    if ascii.len() < 3 || !(marked || colon && strong) {
        return None;
    }
    let whole =
        colon && strong && marked && ascii_len < t.len() && ["回答者", "提问者", "网友", "昵称"].contains(&label);
    Some((token.start(), token.start() + if whole { t.len() } else { ascii.len() }))
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
    let code = code_ranges(text);
    let in_code = |at: usize| code.iter().any(|r| r.contains(&at));
    for m in URL.find_iter(text) {
        // Quotes and closing punctuation end a URL written inside JSON or a sentence.
        let url = m.as_str().split(['"', '\'', '<', '>', '`']).next().unwrap_or_default();
        let url = url.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}']);
        // A URL in a code block or inline code is code, not a leaked source.
        let in_email = text[..m.start()].ends_with('@');
        if !url.is_empty() && !in_code(m.start()) && !reserved_domain(url) && !in_email {
            add(m.start(), m.start() + url.len(), Category::Url);
        }
    }
    for m in EMAIL.find_iter(text) {
        if !reserved_domain(m.as_str()) && !m.as_str().starts_with("git@") {
            add(m.start(), m.end(), Category::Email);
        }
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
        } else if (16..=19).contains(&s.len())
            && s.iter().all(u8::is_ascii_digit)
            && card_prefix(s)
            && luhn(s)
            && !TEST_CARDS.contains(&m.as_str())
        {
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
        if let Some((start, end)) = handle(&c) {
            add(start, end, Category::Handle);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let char_at: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    for m in TITLE.find_iter(text) {
        let end = text[..m.start()].chars().count();
        if let Some(start) = name_before(&chars, end) {
            add(char_at[start], m.end(), Category::DoctorName);
        }
    }
    for c in TITLE_THEN_NAME.captures_iter(text) {
        let name = c.get(1).expect("group 1");
        let name_chars: Vec<char> = name.as_str().chars().collect();
        if name_chars.len() >= 2 && plausible_name(&name_chars) {
            add(c.get(0).expect("match").start(), name.end(), Category::DoctorName);
        }
    }
    for m in HOSPITAL.find_iter(text) {
        let s = m.as_str();
        // A lead-in character inside a known name (the 和 of 协和) leads into nothing.
        let known: Vec<std::ops::Range<usize>> =
            PLACES.iter().chain(INSTITUTIONS).flat_map(|w| s.match_indices(w).map(|(i, w)| i..i + w.len())).collect();
        let after_lead_in = s
            .char_indices()
            .filter(|(i, c)| LEAD_IN.contains(c) && !known.iter().any(|r| r.contains(i)))
            .map(|(i, c)| i + c.len_utf8())
            .next_back()
            .unwrap_or(0);
        // "张立博士北京大学第三医院": the hospital starts after a person's title.
        let after_title = TITLES.iter().filter_map(|t| s.rfind(t).map(|i| i + t.len())).max().unwrap_or(0);
        let cut = after_lead_in.max(after_title);
        // "宿州市某医院" names no hospital: 某 ("a certain") stands for the name.
        if let Some(start) = particular_start(&s[cut..]).map(|i| cut + i)
            && s[start..].chars().count() >= 4
            && !s[start..].contains('某')
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
        // "穿过道路2号" is a route in a story: 道路 is the word for road, not a road's name.
        let generic = s[start..].contains("道路") && particular_start(&s[start..]).is_none();
        if s[start..].chars().count() >= 5 && !generic {
            add(m.start() + start, m.end(), Category::Address);
        }
    }
    for m in AGE_SEX.find_iter(text) {
        add(m.start(), m.end(), Category::AgeSex);
    }
    for m in ADVERTISING.find_iter(text) {
        // "请点击“是”来回答" is an instruction on a page and "给你打电话咨询" a story, not ads.
        let next = text[m.end()..].chars().next();
        let prev = text[..m.start()].chars().next_back();
        let instruction = m.as_str().ends_with("点击") && next.is_some_and(|c| "“\"「『'‘【[".contains(c));
        let story = m.as_str() == "电话咨询" && prev == Some('打') || prev == Some('可');
        if !instruction && !story && !in_code(m.start()) {
            add(m.start(), m.end(), Category::Advertising);
        }
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
        assert!(has("见 https://med.example.cn/a?b=1 。", Category::Url, "https://med.example.cn/a?b=1"));
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
        assert!(has("卡号4111111111111129", Category::BankCard, "4111111111111129"));
        assert!(!has("卡号4111111111111112", Category::BankCard, "4111111111111112"), "Luhn fails");
        assert!(!has("卡号4111111111111111", Category::BankCard, "4111111111111111"), "a published test card");
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

    /// The false positives and misses found on MedicalGPT's general-domain files (issue 16, item 8).
    #[test]
    fn handles_need_a_handle_like_token() {
        for text in [
            "可以使用Web浏览器借阅藏书的用户可以使用Web浏览器借阅藏书",
            "根据用户ID获取用户的全名",
            "用户VARCHAR(255)",
            "请使用此模式创建五个用户 const usersSchema",
            "和用户Merlin Mann交流",
            "用户在MongoDB数据库中创建",
            "以用户--reset身份",
            "用户：请问这个怎么用",
        ] {
            assert!(!cats(text).iter().any(|(c, _)| *c == Category::Handle), "{text}: {:?}", cats(text));
        }
        assert!(has("用户abc_123发帖", Category::Handle, "abc_123"));
        assert!(has("网友：xiaoli2008 2012-03-05", Category::Handle, "xiaoli2008"));
        assert!(has("昵称：kindheart", Category::Handle, "kindheart"));
    }

    #[test]
    fn doctor_names_need_a_surname_and_a_title_and_stock_phrases_are_not_names() {
        for text in [
            "我想成为医生",
            "如有不适，应咨询医生。",
            "他是一名高中教授",
            "在皮下于注射医生指导下",
            "及时咨询医生",
            "通过这种方式教授学生",
            "药剂师或医生",
            "艾克斯博士说",
            "席尔德博士的实验",
            "向橡树博士问好",
            "治疗时医生会询问病史",
        ] {
            assert!(!cats(text).iter().any(|(c, _)| *c == Category::DoctorName), "{text}: {:?}", cats(text));
        }
        for (text, name) in [
            ("找王医生复诊", "王医生"),
            ("张三主任看过了", "张三主任"),
            ("骨科李主任医师", "李主任医师"),
            ("主治医师王建国，男", "主治医师王建国"),
            ("本回答由张医生提供", "张医生"),
            ("向王医生咨询", "王医生"),
            ("欧阳明大夫", "欧阳明大夫"),
        ] {
            assert!(has(text, Category::DoctorName, name), "{text}: {:?}", cats(text));
        }
    }

    #[test]
    fn hospitals_phones_and_code_from_the_field() {
        assert!(has("去北京协和医院复查", Category::Hospital, "北京协和医院"), "{:?}", cats("去北京协和医院复查"));
        assert!(has("电话010-8357-2916", Category::Phone, "010-8357-2916"));
        let code =
            "```python\nrequests.get(\"https://api.openweathermap.org/data/2.5\")\n```\n用 `www.python.org` 的文档";
        assert!(!cats(code).iter().any(|(c, _)| *c == Category::Url), "{:?}", cats(code));
        assert!(!has("\"number\": \"4242424242424242\"", Category::BankCard, "4242424242424242"));
        assert!(cats("发邮件到 john.doe@example.com 或 git@github.com").is_empty());
        assert!(cats("请点击“是”来回答").is_empty());
        assert!(cats("谢谢你建议我给你打电话咨询吉他课程").is_empty());
    }

    #[test]
    fn offsets_are_characters() {
        let text = "患者女，42岁";
        let s = &detect(text)[0];
        assert_eq!((s.start, s.end), (2, 7));
        assert_eq!(text.chars().skip(s.start).take(s.end - s.start).collect::<String>(), s.text);
    }
}
