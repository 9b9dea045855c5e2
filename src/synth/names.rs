//! Chinese personal names: surnames weighted by frequency, modern given names for students and
//! staff, older-style given names for parents, and a few Uyghur-style names with `·`.

use super::rng::{Cumulative, Rng};

/// Common surnames with their approximate frequency in parts per 10,000 (census order), followed
/// by a few two-character surnames.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 712),
    ("李", 700),
    ("张", 620),
    ("刘", 540),
    ("陈", 461),
    ("杨", 310),
    ("黄", 241),
    ("赵", 224),
    ("吴", 203),
    ("周", 192),
    ("徐", 145),
    ("孙", 138),
    ("马", 129),
    ("朱", 128),
    ("胡", 116),
    ("郭", 113),
    ("何", 104),
    ("高", 100),
    ("林", 97),
    ("罗", 96),
    ("郑", 88),
    ("梁", 85),
    ("谢", 71),
    ("宋", 67),
    ("唐", 66),
    ("许", 63),
    ("韩", 61),
    ("冯", 60),
    ("邓", 59),
    ("曹", 57),
    ("彭", 56),
    ("曾", 55),
    ("肖", 53),
    ("田", 52),
    ("董", 51),
    ("袁", 50),
    ("潘", 49),
    ("于", 48),
    ("蒋", 47),
    ("蔡", 46),
    ("余", 45),
    ("杜", 44),
    ("叶", 43),
    ("程", 42),
    ("苏", 41),
    ("魏", 40),
    ("吕", 39),
    ("丁", 38),
    ("任", 37),
    ("沈", 36),
    ("姚", 35),
    ("卢", 34),
    ("姜", 33),
    ("崔", 32),
    ("钟", 31),
    ("谭", 30),
    ("陆", 29),
    ("汪", 28),
    ("范", 27),
    ("金", 26),
    ("石", 26),
    ("廖", 25),
    ("贾", 25),
    ("夏", 24),
    ("韦", 24),
    ("付", 23),
    ("方", 23),
    ("白", 22),
    ("邹", 22),
    ("孟", 21),
    ("熊", 21),
    ("秦", 20),
    ("邱", 20),
    ("江", 19),
    ("尹", 19),
    ("薛", 18),
    ("闫", 18),
    ("段", 17),
    ("雷", 17),
    ("侯", 16),
    ("龙", 16),
    ("史", 15),
    ("陶", 15),
    ("黎", 14),
    ("贺", 14),
    ("顾", 13),
    ("毛", 13),
    ("郝", 12),
    ("龚", 12),
    ("邵", 11),
    ("万", 11),
    ("钱", 10),
    ("严", 10),
    ("覃", 9),
    ("武", 9),
    ("戴", 9),
    ("莫", 8),
    ("孔", 8),
    ("向", 8),
    ("汤", 8),
    ("常", 8),
    ("温", 7),
    ("康", 7),
    ("施", 7),
    ("文", 7),
    ("牛", 6),
    ("樊", 6),
    ("葛", 6),
    ("邢", 6),
    ("安", 5),
    ("齐", 5),
    ("易", 5),
    ("乔", 5),
    ("伍", 5),
    ("庞", 5),
    ("颜", 5),
    ("倪", 5),
    ("庄", 4),
    ("聂", 4),
    ("章", 4),
    ("鲁", 4),
    ("岳", 4),
    ("翟", 4),
    ("殷", 4),
    ("詹", 4),
    ("申", 4),
    ("耿", 3),
    ("关", 3),
    ("兰", 3),
    ("焦", 3),
    ("俞", 3),
    ("左", 3),
    ("柳", 3),
    ("甘", 3),
    ("祝", 3),
    ("包", 3),
    ("宁", 3),
    ("尚", 3),
    ("符", 3),
    ("舒", 3),
    ("阮", 3),
    ("柯", 3),
    ("纪", 3),
    ("梅", 3),
    ("童", 3),
    ("凌", 2),
    ("毕", 2),
    ("单", 2),
    ("季", 2),
    ("裴", 2),
    ("霍", 2),
    ("涂", 2),
    ("苗", 2),
    ("谷", 2),
    ("盛", 2),
    ("曲", 2),
    ("翁", 2),
    ("冉", 2),
    ("骆", 2),
    ("蓝", 2),
    ("路", 2),
    ("游", 2),
    ("辛", 2),
    ("靳", 2),
    ("管", 2),
    ("柴", 2),
    ("蒙", 2),
    ("鲍", 2),
    ("喻", 2),
    ("祁", 2),
    ("欧阳", 2),
    ("司马", 1),
    ("上官", 1),
    ("诸葛", 1),
    ("东方", 1),
    ("皇甫", 1),
    ("令狐", 1),
    ("慕容", 1),
    ("尉迟", 1),
    ("公孙", 1),
];

/// Popular two-character given names of people born around 2000–2008.
const MALE_POPULAR: &[&str] = &[
    "子轩", "浩然", "宇轩", "浩宇", "俊杰", "博文", "子豪", "梓豪", "皓轩", "宇航", "一鸣", "家豪",
    "嘉豪", "俊熙", "明轩", "天佑", "思远", "文博", "泽宇", "志强", "晨阳", "鹏飞", "子健", "昊天",
    "宇辰", "浩楠", "文杰", "嘉诚", "俊宇", "锦程", "梓航", "昊然", "子墨", "奕辰", "宇哲", "浩轩",
    "一凡", "铭泽", "振宇", "天宇", "逸飞", "俊豪", "子昂", "家乐", "雨泽", "明哲", "佳豪", "思源",
];
const FEMALE_POPULAR: &[&str] = &[
    "欣怡", "梓涵", "子涵", "雨涵", "梓萱", "思涵", "佳怡", "诗涵", "可欣", "紫涵", "雨欣", "欣妍",
    "语嫣", "一诺", "梦瑶", "佳琪", "思琪", "雨桐", "静怡", "晓雯", "心怡", "子怡", "婉婷", "雅婷",
    "诗琪", "梦琪", "佳欣", "欣然", "雨萱", "紫萱", "若曦", "嘉怡", "思雨", "晨曦", "诗雨", "雅琪",
    "梓琪", "可馨", "慧敏", "佳颖", "文静", "婧怡", "乐怡", "昕怡", "艺涵", "芷若", "语桐", "书瑶",
];

/// Characters for composed given names, by position and gender tendency.
const MALE_FIRST: &[&str] = &[
    "子", "浩", "宇", "俊", "博", "梓", "皓", "家", "嘉", "明", "天", "思", "文", "泽", "志", "晨",
    "鹏", "昊", "锦", "奕", "铭", "振", "逸", "一", "建", "伟", "永", "国", "立", "德", "海", "云",
    "金", "少", "绍", "开", "光", "君", "泓", "骏", "承", "峻", "凯", "政", "宏", "晓", "亦", "煜",
    "彦", "子", "星", "启", "景", "书",
];
const MALE_SECOND: &[&str] = &[
    "轩", "然", "宇", "杰", "文", "豪", "航", "鸣", "熙", "佑", "远", "博", "强", "阳", "飞", "健",
    "天", "涛", "辰", "楠", "诚", "程", "墨", "哲", "凡", "泽", "乐", "峰", "斌", "磊", "鑫", "超",
    "勇", "军", "伟", "东", "林", "翔", "龙", "波", "辉", "平", "锋", "恒", "晨", "睿", "霖", "琛",
    "烨", "瀚", "彬", "康", "毅", "森", "坤", "晟", "钧", "川", "旭", "铭",
];
const MALE_SINGLE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "辉", "鹏", "飞", "鑫", "波",
    "宇", "浩", "凯", "健", "帆", "旭", "龙", "阳", "峰", "博", "坤", "昊", "睿", "航", "哲", "锐",
    "豪", "铭", "晟", "帅", "亮", "彬",
];
const FEMALE_FIRST: &[&str] = &[
    "欣", "梓", "子", "雨", "思", "佳", "诗", "可", "紫", "语", "梦", "静", "晓", "心", "婉", "雅",
    "若", "嘉", "晨", "慧", "文", "婧", "乐", "昕", "艺", "芷", "美", "丽", "秀", "玉", "月", "春",
    "海", "亚", "雪", "彩", "安", "书", "沐", "依", "宛", "淑", "巧", "冰", "诗", "怡", "梦", "舒",
];
const FEMALE_SECOND: &[&str] = &[
    "怡", "涵", "萱", "琪", "妍", "嫣", "瑶", "桐", "雯", "婷", "曦", "雨", "然", "颖", "静", "馨",
    "敏", "彤", "悦", "蕾", "璐", "洁", "娜", "娟", "丹", "玲", "倩", "薇", "莹", "茜", "楠", "菲",
    "萍", "芳", "霞", "燕", "琳", "慧", "宁", "月", "晗", "歆", "媛", "露", "蓉", "欣", "佳", "岚",
];
const FEMALE_SINGLE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "倩", "琳", "颖", "慧",
    "莉", "萍", "丹", "蕾", "欣", "怡", "悦", "妍", "雯", "璐", "涵", "菲", "琪", "蓉", "薇", "露",
    "彤", "洁",
];
const FEMALE_DOUBLED: &[&str] = &[
    "婷婷", "欣欣", "晶晶", "莹莹", "璐璐", "丹丹", "佳佳", "悦悦", "楠楠", "琳琳", "倩倩", "媛媛",
];

/// Given names of the parents' generation (born around 1965–1982).
const FATHER_GIVEN: &[&str] = &[
    "建国", "建华", "建军", "国强", "国华", "志强", "志刚", "志明", "海涛", "海军", "卫东", "卫国",
    "永刚", "永强", "德明", "德华", "红兵", "文斌", "学军", "春生", "新华", "金龙", "立新", "振华",
    "庆丰", "明亮", "中华", "小兵", "长春", "俊峰", "伟", "强", "军", "勇", "斌", "刚", "平", "明",
    "涛", "华", "峰", "辉", "东", "林", "波", "亮", "兵", "勇军", "爱国", "国平", "永生", "建平",
    "红军", "家明", "培林", "德胜", "连生", "福林",
];
const MOTHER_GIVEN: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "丽华", "红梅", "春燕", "秀梅", "海燕", "小红", "玉梅",
    "玉华", "冬梅", "美华", "翠兰", "丽娟", "晓燕", "雪梅", "凤英", "淑珍", "桂芳", "美玲", "建芳",
    "丽", "芳", "敏", "静", "燕", "红", "霞", "凤", "琴", "艳", "萍", "华", "英", "慧", "玲", "娟",
    "丽萍", "小燕", "金凤", "素芬", "爱华", "春梅", "月娥", "秋菊", "小梅", "晓红",
];
const GRANDPARENT_GIVEN_MALE: &[&str] = &["德才", "福生", "长发", "根生", "有才", "金山", "宝林"];
const GRANDPARENT_GIVEN_FEMALE: &[&str] = &["桂花", "秀珍", "凤兰", "玉珍", "翠花", "素英", "兰英"];

/// Uyghur-style names; a child's full name is `own·father's own name`.
const UYGHUR_MALE: &[&str] = &[
    "艾力",
    "买买提",
    "阿不都",
    "艾合买提",
    "吐尔逊",
    "阿布力孜",
    "努尔艾力",
    "依明",
    "热合曼",
    "麦麦提",
    "亚森",
    "木拉提",
    "阿迪力",
    "肉孜",
    "塔依尔",
    "阿力木",
    "艾尔肯",
    "卡德尔",
];
const UYGHUR_FEMALE: &[&str] = &[
    "阿依古丽",
    "古丽娜尔",
    "迪丽拉",
    "热依拉",
    "米热古丽",
    "阿依努尔",
    "帕提古丽",
    "祖丽皮亚",
    "努尔古丽",
    "阿娜尔",
    "玛依拉",
    "热孜亚",
];

/// The name tables, with the surname frequencies prepared for repeated draws.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    surnames: Cumulative,
}

impl Names {
    /// Prepares the tables.
    pub(crate) fn new() -> Self {
        Names {
            surnames: Cumulative::new(SURNAMES.iter().map(|&(_, w)| w)),
        }
    }

    /// A surname drawn by frequency.
    pub(crate) fn surname(&self, rng: &mut Rng) -> &'static str {
        SURNAMES[self.surnames.draw(rng)].0
    }

    /// A modern given name (students, young staff).
    pub(crate) fn given(rng: &mut Rng, female: bool) -> String {
        let roll = rng.below(100);
        let mut s = String::with_capacity(6);
        if female {
            match roll {
                0..=29 => s.push_str(rng.pick(FEMALE_POPULAR)),
                30..=83 => {
                    let a = rng.pick(FEMALE_FIRST);
                    let mut b = rng.pick(FEMALE_SECOND);
                    if a == b {
                        b = "怡";
                    }
                    s.push_str(a);
                    s.push_str(b);
                }
                84..=95 => s.push_str(rng.pick(FEMALE_SINGLE)),
                _ => s.push_str(rng.pick(FEMALE_DOUBLED)),
            }
        } else {
            match roll {
                0..=29 => s.push_str(rng.pick(MALE_POPULAR)),
                30..=85 => {
                    let a = rng.pick(MALE_FIRST);
                    let mut b = rng.pick(MALE_SECOND);
                    if a == b {
                        b = "杰";
                    }
                    s.push_str(a);
                    s.push_str(b);
                }
                _ => s.push_str(rng.pick(MALE_SINGLE)),
            }
        }
        s
    }

    /// A full modern name.
    pub(crate) fn full(&self, rng: &mut Rng, female: bool) -> String {
        let mut s = self.surname(rng).to_string();
        s.push_str(&Self::given(rng, female));
        s
    }

    /// A given name of the parents' generation.
    pub(crate) fn parent_given(rng: &mut Rng, female: bool) -> &'static str {
        if female {
            rng.pick(MOTHER_GIVEN)
        } else {
            rng.pick(FATHER_GIVEN)
        }
    }

    /// A given name of the grandparents' generation.
    pub(crate) fn grandparent_given(rng: &mut Rng, female: bool) -> &'static str {
        if female {
            rng.pick(GRANDPARENT_GIVEN_FEMALE)
        } else {
            rng.pick(GRANDPARENT_GIVEN_MALE)
        }
    }

    /// An Uyghur-style own name.
    pub(crate) fn uyghur(rng: &mut Rng, female: bool) -> &'static str {
        if female {
            rng.pick(UYGHUR_FEMALE)
        } else {
            rng.pick(UYGHUR_MALE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_look_chinese() {
        let names = Names::new();
        let mut rng = Rng::derive(1, 2, 3);
        for i in 0..2_000 {
            let n = names.full(&mut rng, i % 2 == 0);
            let len = n.chars().count();
            assert!((2..=4).contains(&len), "{n}");
            assert!(
                n.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{n}"
            );
        }
    }
}
