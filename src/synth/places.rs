//! The fictional comprehensive university: colleges, majors, graduate programmes, courses; home
//! provinces and cities; dorm buildings; places of talks; off-campus addresses.

use super::rng::Rng;

/// An undergraduate major.
#[derive(Debug)]
pub(crate) struct Major {
    /// Full name.
    pub name: &'static str,
    /// Abbreviation used in class names, e.g. 计科 in 计科2401.
    pub abbr: &'static str,
    /// Two-digit code in the 学号 (undergraduate majors 01–09, graduate programmes 51–59).
    pub code: u8,
    /// Relative size within the college.
    pub weight: u32,
    /// Share of male students, per 10,000.
    pub male: u32,
    /// Length of the programme in years.
    pub years: i32,
}

/// A college 学院.
#[derive(Debug)]
pub(crate) struct College {
    /// Name.
    pub name: &'static str,
    /// Two-digit code in the 学号.
    pub code: u8,
    /// Relative size among undergraduates.
    pub weight: u32,
    /// Relative size among graduate students.
    pub grad_weight: u32,
    /// Undergraduate majors.
    pub majors: &'static [Major],
    /// Graduate programmes (硕士).
    pub programs: &'static [Major],
    /// Courses students talk about.
    pub courses: &'static [&'static str],
}

const fn m(name: &'static str, abbr: &'static str, code: u8, weight: u32, male: u32) -> Major {
    Major {
        name,
        abbr,
        code,
        weight,
        male,
        years: 4,
    }
}

const fn g(
    name: &'static str,
    abbr: &'static str,
    code: u8,
    weight: u32,
    male: u32,
    years: i32,
) -> Major {
    Major {
        name,
        abbr,
        code,
        weight,
        male,
        years,
    }
}

/// The colleges of the university.
pub(crate) const COLLEGES: &[College] = &[
    College {
        name: "计算机学院",
        code: 1,
        weight: 11,
        grad_weight: 14,
        majors: &[
            m("计算机科学与技术", "计科", 1, 40, 7200),
            m("软件工程", "软工", 2, 30, 7000),
            m("数据科学与大数据技术", "数据", 3, 15, 6200),
            m("网络工程", "网工", 4, 15, 7500),
        ],
        programs: &[
            g("计算机科学与技术", "计算机", 51, 50, 6500, 3),
            g("电子信息（专业学位）", "电子信息", 52, 50, 7000, 2),
        ],
        courses: &[
            "高级语言程序设计",
            "数据结构",
            "离散数学",
            "计算机组成原理",
            "操作系统",
            "数据库原理",
            "高等数学",
            "线性代数",
        ],
    },
    College {
        name: "外国语学院",
        code: 2,
        weight: 7,
        grad_weight: 5,
        majors: &[
            m("英语", "英语", 1, 40, 1800),
            m("日语", "日语", 2, 20, 2500),
            m("翻译", "翻译", 3, 20, 1700),
            m("商务英语", "商英", 4, 20, 1600),
        ],
        programs: &[
            g("外国语言文学", "外语", 51, 50, 2000, 3),
            g("翻译（专业学位）", "翻译", 52, 50, 1500, 2),
        ],
        courses: &[
            "综合英语",
            "英语听力",
            "英语语音",
            "基础日语",
            "翻译理论与实践",
            "英美文学选读",
            "英语写作",
        ],
    },
    College {
        name: "经济与管理学院",
        code: 3,
        weight: 12,
        grad_weight: 10,
        majors: &[
            m("会计学", "会计", 1, 30, 2800),
            m("工商管理", "工商", 2, 20, 4200),
            m("国际经济与贸易", "国贸", 3, 15, 3500),
            m("金融学", "金融", 4, 20, 4300),
            m("市场营销", "营销", 5, 15, 4000),
        ],
        programs: &[
            g("应用经济学", "经济", 51, 50, 4000, 3),
            g("会计（专业学位）", "会计", 52, 50, 3000, 2),
        ],
        courses: &[
            "微积分",
            "微观经济学",
            "宏观经济学",
            "会计学原理",
            "管理学",
            "统计学",
            "财务管理",
        ],
    },
    College {
        name: "机械工程学院",
        code: 4,
        weight: 9,
        grad_weight: 8,
        majors: &[
            m("机械设计制造及其自动化", "机设", 1, 40, 9000),
            m("车辆工程", "车辆", 2, 20, 9200),
            m("材料成型及控制工程", "材控", 3, 20, 8800),
            m("机器人工程", "机器人", 4, 20, 8600),
        ],
        programs: &[
            g("机械工程", "机械", 51, 50, 8800, 3),
            g("机械（专业学位）", "机专", 52, 50, 9000, 2),
        ],
        courses: &[
            "工程制图",
            "理论力学",
            "材料力学",
            "机械原理",
            "机械设计",
            "电工电子技术",
            "高等数学",
        ],
    },
    College {
        name: "土木工程学院",
        code: 5,
        weight: 8,
        grad_weight: 6,
        majors: &[
            m("土木工程", "土木", 1, 45, 8500),
            m("工程管理", "工管", 2, 20, 6000),
            m("建筑环境与能源应用工程", "建环", 3, 15, 8000),
            m("给排水科学与工程", "给排水", 4, 20, 7500),
        ],
        programs: &[
            g("土木工程", "土木", 51, 50, 8200, 3),
            g("土木水利（专业学位）", "土水", 52, 50, 8000, 2),
        ],
        courses: &[
            "结构力学",
            "工程测量",
            "土力学",
            "混凝土结构设计原理",
            "房屋建筑学",
            "工程制图",
            "高等数学",
        ],
    },
    College {
        name: "艺术与设计学院",
        code: 6,
        weight: 6,
        grad_weight: 3,
        majors: &[
            m("视觉传达设计", "视传", 1, 30, 3500),
            m("环境设计", "环设", 2, 25, 4000),
            m("产品设计", "产设", 3, 20, 4500),
            m("音乐学", "音乐", 4, 25, 3000),
        ],
        programs: &[
            g("设计学", "设计", 51, 50, 3500, 3),
            g("艺术设计（专业学位）", "艺设", 52, 50, 3200, 2),
        ],
        courses: &[
            "设计素描",
            "色彩构成",
            "中外设计史",
            "字体设计",
            "视唱练耳",
            "和声学",
        ],
    },
    College {
        name: "马克思主义学院",
        code: 7,
        weight: 3,
        grad_weight: 6,
        majors: &[
            m("思想政治教育", "思政", 1, 50, 2500),
            m("政治学与行政学", "政行", 2, 25, 4000),
            m("哲学", "哲学", 3, 25, 5000),
        ],
        programs: &[
            g("马克思主义理论", "马理", 51, 60, 3000, 3),
            g("学科教学（思政）", "学科思政", 52, 40, 2000, 2),
        ],
        courses: &[
            "马克思主义基本原理",
            "中国近现代史纲要",
            "西方哲学史",
            "政治学原理",
            "思想政治教育学原理",
        ],
    },
    College {
        name: "医学院",
        code: 8,
        weight: 10,
        grad_weight: 12,
        majors: &[
            m("临床医学", "临床", 1, 40, 5000),
            m("护理学", "护理", 2, 25, 1500),
            m("预防医学", "预防", 3, 15, 4200),
            m("药学", "药学", 4, 10, 4000),
            m("医学检验技术", "医检", 5, 10, 4000),
        ],
        programs: &[
            g("临床医学", "临医", 51, 60, 4800, 3),
            g("护理（专业学位）", "护理", 52, 40, 1800, 2),
        ],
        courses: &[
            "系统解剖学",
            "生理学",
            "生物化学",
            "病理学",
            "药理学",
            "医学统计学",
            "组织胚胎学",
        ],
    },
    College {
        name: "法学院",
        code: 9,
        weight: 5,
        grad_weight: 6,
        majors: &[
            m("法学", "法学", 1, 60, 3800),
            m("知识产权", "知产", 2, 20, 3500),
            m("社会工作", "社工", 3, 20, 2500),
        ],
        programs: &[
            g("法学", "法学", 51, 50, 4000, 3),
            g("法律（非法学）", "法硕", 52, 50, 4200, 3),
        ],
        courses: &[
            "法理学",
            "宪法学",
            "民法总论",
            "刑法学",
            "民事诉讼法",
            "社会工作概论",
        ],
    },
    College {
        name: "新闻传播学院",
        code: 10,
        weight: 5,
        grad_weight: 4,
        majors: &[
            m("新闻学", "新闻", 1, 30, 3000),
            m("广告学", "广告", 2, 25, 3000),
            m("网络与新媒体", "新媒体", 3, 25, 3500),
            m("播音与主持艺术", "播音", 4, 20, 3500),
        ],
        programs: &[
            g("新闻传播学", "新传", 51, 50, 2800, 3),
            g("新闻与传播（专业学位）", "新专", 52, 50, 2600, 2),
        ],
        courses: &[
            "新闻学概论",
            "传播学原理",
            "新闻采访与写作",
            "广告策划",
            "新媒体运营",
            "普通话语音",
        ],
    },
    College {
        name: "电气与信息工程学院",
        code: 11,
        weight: 10,
        grad_weight: 12,
        majors: &[
            m("电气工程及其自动化", "电气", 1, 35, 8000),
            m("电子信息工程", "电信", 2, 25, 7500),
            m("通信工程", "通信", 3, 20, 7200),
            m("自动化", "自动化", 4, 20, 7800),
        ],
        programs: &[
            g("电气工程", "电气", 51, 50, 8000, 3),
            g("控制工程（专业学位）", "控制", 52, 50, 7800, 2),
        ],
        courses: &[
            "电路原理",
            "模拟电子技术",
            "数字电子技术",
            "信号与系统",
            "自动控制原理",
            "电机学",
            "高等数学",
        ],
    },
    College {
        name: "文学院",
        code: 12,
        weight: 5,
        grad_weight: 5,
        majors: &[
            m("汉语言文学", "汉语言", 1, 50, 2000),
            m("历史学", "历史", 2, 25, 4000),
            m("秘书学", "秘书", 3, 25, 1500),
        ],
        programs: &[
            g("中国语言文学", "中文", 51, 50, 2200, 3),
            g("国际中文教育（专业学位）", "中教", 52, 50, 1500, 2),
        ],
        courses: &[
            "现代汉语",
            "古代汉语",
            "中国古代文学",
            "文学概论",
            "中国通史",
            "基础写作",
        ],
    },
    College {
        name: "数学与统计学院",
        code: 13,
        weight: 5,
        grad_weight: 5,
        majors: &[
            m("数学与应用数学", "数学", 1, 45, 5000),
            m("统计学", "统计", 2, 30, 4800),
            m("信息与计算科学", "信计", 3, 25, 5800),
        ],
        programs: &[
            g("数学", "数学", 51, 50, 5200, 3),
            g("应用统计（专业学位）", "应统", 52, 50, 4500, 2),
        ],
        courses: &[
            "数学分析",
            "高等代数",
            "解析几何",
            "概率论",
            "常微分方程",
            "数理统计",
        ],
    },
    College {
        name: "化学与环境工程学院",
        code: 14,
        weight: 6,
        grad_weight: 8,
        majors: &[
            m("化学", "化学", 1, 25, 4800),
            m("应用化学", "应化", 2, 25, 5200),
            m("环境工程", "环境", 3, 25, 5500),
            m("化学工程与工艺", "化工", 4, 25, 6500),
        ],
        programs: &[
            g("化学", "化学", 51, 50, 5000, 3),
            g("材料与化工（专业学位）", "材化", 52, 50, 5500, 2),
        ],
        courses: &[
            "无机化学",
            "有机化学",
            "分析化学",
            "物理化学",
            "化工原理",
            "环境监测",
            "高等数学",
        ],
    },
];

/// Courses every undergraduate takes.
pub(crate) const COMMON_COURSES: &[&str] = &["大学英语"];

/// Home provinces, weighted (the university is in 湖北, so most students are local), with cities.
pub(crate) const PROVINCES: &[(&str, u32, &[&str])] = &[
    (
        "湖北省",
        4500,
        &[
            "武汉市",
            "黄石市",
            "十堰市",
            "宜昌市",
            "襄阳市",
            "鄂州市",
            "荆门市",
            "孝感市",
            "荆州市",
            "黄冈市",
            "咸宁市",
            "随州市",
            "恩施土家族苗族自治州",
            "仙桃市",
            "天门市",
            "潜江市",
        ],
    ),
    (
        "河南省",
        600,
        &[
            "郑州市",
            "开封市",
            "洛阳市",
            "平顶山市",
            "安阳市",
            "新乡市",
            "南阳市",
            "信阳市",
            "周口市",
            "驻马店市",
            "商丘市",
        ],
    ),
    (
        "湖南省",
        500,
        &[
            "长沙市",
            "株洲市",
            "湘潭市",
            "衡阳市",
            "邵阳市",
            "岳阳市",
            "常德市",
            "益阳市",
            "郴州市",
            "永州市",
            "怀化市",
        ],
    ),
    (
        "安徽省",
        400,
        &[
            "合肥市",
            "芜湖市",
            "蚌埠市",
            "安庆市",
            "阜阳市",
            "六安市",
            "宿州市",
            "亳州市",
        ],
    ),
    (
        "江西省",
        400,
        &[
            "南昌市",
            "九江市",
            "赣州市",
            "吉安市",
            "宜春市",
            "上饶市",
            "抚州市",
        ],
    ),
    (
        "四川省",
        350,
        &[
            "成都市",
            "绵阳市",
            "德阳市",
            "南充市",
            "宜宾市",
            "泸州市",
            "达州市",
            "乐山市",
        ],
    ),
    (
        "广东省",
        300,
        &[
            "广州市",
            "深圳市",
            "佛山市",
            "东莞市",
            "湛江市",
            "茂名市",
            "梅州市",
            "汕头市",
        ],
    ),
    (
        "山东省",
        300,
        &[
            "济南市",
            "青岛市",
            "潍坊市",
            "临沂市",
            "济宁市",
            "菏泽市",
            "烟台市",
            "聊城市",
        ],
    ),
    (
        "河北省",
        250,
        &[
            "石家庄市",
            "保定市",
            "邯郸市",
            "邢台市",
            "沧州市",
            "唐山市",
            "衡水市",
        ],
    ),
    (
        "重庆市",
        200,
        &[
            "万州区",
            "涪陵区",
            "渝北区",
            "江津区",
            "永川区",
            "合川区",
            "綦江区",
        ],
    ),
    (
        "贵州省",
        200,
        &["贵阳市", "遵义市", "毕节市", "铜仁市", "六盘水市", "安顺市"],
    ),
    (
        "广西壮族自治区",
        200,
        &["南宁市", "桂林市", "柳州市", "玉林市", "百色市", "河池市"],
    ),
    (
        "江苏省",
        200,
        &["南京市", "徐州市", "盐城市", "南通市", "淮安市", "连云港市"],
    ),
    (
        "浙江省",
        150,
        &["杭州市", "温州市", "金华市", "台州市", "绍兴市", "宁波市"],
    ),
    (
        "云南省",
        150,
        &[
            "昆明市",
            "曲靖市",
            "昭通市",
            "红河哈尼族彝族自治州",
            "大理白族自治州",
        ],
    ),
    (
        "山西省",
        150,
        &["太原市", "大同市", "运城市", "临汾市", "长治市", "晋中市"],
    ),
    (
        "陕西省",
        150,
        &["西安市", "宝鸡市", "咸阳市", "渭南市", "汉中市", "榆林市"],
    ),
    (
        "福建省",
        100,
        &["福州市", "厦门市", "泉州市", "漳州市", "莆田市"],
    ),
    (
        "甘肃省",
        100,
        &["兰州市", "天水市", "庆阳市", "定西市", "陇南市"],
    ),
    (
        "黑龙江省",
        70,
        &["哈尔滨市", "齐齐哈尔市", "大庆市", "牡丹江市", "佳木斯市"],
    ),
    (
        "辽宁省",
        80,
        &["沈阳市", "大连市", "鞍山市", "锦州市", "丹东市"],
    ),
    (
        "吉林省",
        50,
        &["长春市", "吉林市", "四平市", "延边朝鲜族自治州"],
    ),
    (
        "内蒙古自治区",
        60,
        &["呼和浩特市", "包头市", "赤峰市", "通辽市", "鄂尔多斯市"],
    ),
    (
        "新疆维吾尔自治区",
        60,
        &[
            "乌鲁木齐市",
            "喀什地区",
            "和田地区",
            "阿克苏地区",
            "伊犁哈萨克自治州",
            "昌吉回族自治州",
        ],
    ),
    ("海南省", 40, &["海口市", "三亚市", "儋州市"]),
    ("宁夏回族自治区", 30, &["银川市", "固原市", "吴忠市"]),
    ("青海省", 30, &["西宁市", "海东市"]),
    ("西藏自治区", 20, &["拉萨市", "日喀则市", "昌都市"]),
    ("北京市", 30, &["海淀区", "朝阳区", "丰台区"]),
    ("天津市", 30, &["和平区", "南开区", "滨海新区"]),
    ("上海市", 30, &["浦东新区", "闵行区", "徐汇区"]),
];

/// Index of 新疆 in [`PROVINCES`], where a share of students carry Uyghur-style names.
pub(crate) const XINJIANG: usize = 23;

/// Campus areas: buildings 1–20 of each area; the first area has no prefix.
const AREAS: &[&str] = &[
    "", "东区", "西区", "南区", "北区", "新区", "东苑", "西苑", "南苑", "北苑", "桂园", "枫园",
    "竹园", "梅园", "松园", "荷园",
];

/// Number of buildings per campus area.
pub(crate) const BUILDINGS_PER_AREA: usize = 20;
/// Floors per building.
pub(crate) const FLOORS: u32 = 6;

/// The label of a dorm building by its running number, e.g. "6栋" or "东区6栋".
pub(crate) fn building_label(index: usize, out: &mut String) {
    let area = index / BUILDINGS_PER_AREA;
    let number = index % BUILDINGS_PER_AREA + 1;
    if area < AREAS.len() {
        out.push_str(AREAS[area]);
    } else {
        // Absurdly large sets: number the extra areas.
        out.push_str(&format!("{}区", area));
    }
    out.push_str(&number.to_string());
    out.push('栋');
}

/// Places of talks, weighted.
pub(crate) const TALK_PLACES: &[(&str, u32)] = &[
    ("辅导员办公室", 40),
    ("学院谈心谈话室", 18),
    ("学生宿舍", 10),
    ("学院会议室", 5),
    ("图书馆研讨间", 4),
    ("校园内散步时", 5),
    ("线上（微信视频）", 6),
    ("电话", 5),
    ("教学楼空教室", 3),
    ("学生食堂", 2),
    ("心理健康教育中心咨询室", 2),
];

const ROADS: &[&str] = &[
    "学府路",
    "大学路",
    "文昌路",
    "光明路",
    "南湖路",
    "书院街",
    "桂苑路",
];
const ESTATES: &[&str] = &[
    "锦绣家园",
    "书香苑",
    "阳光花园",
    "翠湖小区",
    "学苑公寓",
    "桂园小区",
    "金桥花园",
    "和平里小区",
];
const GATES: &[&str] = &["东门", "西门", "南门", "北门"];

/// A plausible, fictional address of a rented flat near the campus.
pub(crate) fn off_campus_address(rng: &mut Rng) -> String {
    format!(
        "学校{}外{}{}号{}{}栋{}单元{}{:02}室",
        rng.pick(GATES),
        rng.pick(ROADS),
        rng.range(3, 188),
        rng.pick(ESTATES),
        rng.range(1, 18),
        rng.range(1, 4),
        rng.range(1, 18),
        rng.range(1, 4),
    )
}

/// Referral institutions (generic, no real hospital is named).
pub(crate) const INSTITUTIONS: &[&str] = &[
    "市精神卫生中心",
    "省人民医院精神心理科",
    "市第一人民医院心理科",
    "大学附属医院精神科",
    "市中医医院心身医学科",
    "市第三人民医院精神科",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_valid() {
        let mut codes: Vec<u8> = COLLEGES.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), COLLEGES.len());
        for c in COLLEGES {
            assert!((3..=5).contains(&c.majors.len()), "{}", c.name);
            let mut m: Vec<u8> = c.majors.iter().chain(c.programs).map(|m| m.code).collect();
            m.sort_unstable();
            m.dedup();
            assert_eq!(m.len(), c.majors.len() + c.programs.len());
            assert!(c.majors.iter().all(|m| m.code < 50));
            assert!(c.programs.iter().all(|m| m.code > 50 && m.code < 100));
        }
        assert_eq!(PROVINCES[XINJIANG].0, "新疆维吾尔自治区");
    }
}
