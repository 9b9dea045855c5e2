//! Counselor-note texts: scenario templates with slots, filled from fictional details. Texts name
//! nobody ("该生", "室友", "家长"), so no generated note identifies a person.
//!
//! A scenario is a list of parts; one alternative is drawn from each part (an empty alternative
//! skips the part), which yields notes of two to four sentences.

use super::rng::Rng;
use crate::model::ScreeningResult;

/// What a note may refer to about its student.
#[derive(Debug, Clone)]
pub(crate) struct Ctx<'a> {
    /// Courses of the student's college.
    pub courses: &'static [&'static str],
    /// Major or programme.
    pub major: &'static str,
    /// Home, e.g. 湖北省黄冈市.
    pub home: &'a str,
    /// Graduate student.
    pub graduate: bool,
    /// The holiday the note is about (寒假 / 暑假).
    pub holiday: &'static str,
    /// The parent a single-parent student lives with (母亲 / 父亲).
    pub parent: &'static str,
    /// Screening result in words, for follow-up notes.
    pub result: &'static str,
    /// The institution the student was referred to.
    pub hospital: &'static str,
    /// The diagnosis, if any.
    pub diagnosis: &'static str,
    /// The family is in economic hardship.
    pub hardship: bool,
}

type Scenario = &'static [&'static [&'static str]];

/// Draws one alternative of each part and fills the slots.
fn compose(out: &mut String, scenario: Scenario, ctx: &Ctx<'_>, rng: &mut Rng) {
    for part in scenario {
        let t = rng.pick(part);
        if !t.is_empty() {
            fill(out, t, ctx, rng);
        }
    }
}

fn compose_one(scenarios: &[Scenario], ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(300);
    compose(&mut out, rng.pick(scenarios), ctx, rng);
    exact(out)
}

/// Gives back the spare capacity: a large set holds a million notes in memory.
fn exact(mut s: String) -> String {
    s.shrink_to_fit();
    s
}

/// Replaces every `{slot}` of the template.
pub(crate) fn fill(out: &mut String, template: &str, ctx: &Ctx<'_>, rng: &mut Rng) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        slot(out, &after[..close], ctx, rng);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
}

fn slot(out: &mut String, key: &str, ctx: &Ctx<'_>, rng: &mut Rng) {
    let v: &str = match key {
        "课程" => {
            if !ctx.graduate && rng.chance(2_000) {
                rng.pick(super::places::COMMON_COURSES)
            } else {
                rng.pick(ctx.courses)
            }
        }
        "专业" => ctx.major,
        "家乡" => ctx.home,
        "假期" => ctx.holiday,
        "单亲" => ctx.parent,
        "普查结果" => ctx.result,
        "医院" => ctx.hospital,
        "诊断" => ctx.diagnosis,
        "社团" => rng.pick(CLUBS),
        "比赛" => rng.pick(CONTESTS),
        "名次" => rng.pick(&["一等奖", "二等奖", "三等奖", "优秀奖"]),
        "奖学金" => rng.pick(SCHOLARSHIPS),
        "兼职" => rng.pick(JOBS),
        "勤工岗" => rng.pick(WORK_STUDY),
        "亲人" => rng.pick(&["爷爷", "奶奶", "外公", "外婆", "母亲", "父亲"]),
        "病" => rng.pick(ILLNESS),
        "灾害" => rng.pick(&["暴雨洪涝", "冰雹", "台风", "山体滑坡", "严重干旱"]),
        "考证" => {
            if ctx.graduate {
                rng.pick(&["英语六级", "教师资格证", "公务员考试", "雅思考试"])
            } else {
                rng.pick(CERTS)
            }
        }
        "几门" => rng.pick(&["两门", "三门", "四门", "一门必修"]),
        "绩点" => {
            out.push_str(&format!("{}.{}", rng.range(1, 3), rng.range(0, 9)));
            return;
        }
        "升降" => rng.pick(&["提高", "下降", "提升"]),
        "排名" => rng.pick(&["前10%", "前20%", "前5%", "中上游"]),
        "游戏" => rng.pick(&["手机游戏", "网络游戏", "短视频", "网络小说"]),
        "星期" => rng.pick(&["周一", "周二", "周三", "周四", "周五"]),
        "周期" => rng.pick(&["一周", "两周", "半个月", "一个月"]),
        "对象" => {
            if ctx.graduate {
                rng.pick(&["室友", "同门师兄", "课题组同学", "同门师姐"])
            } else {
                rng.pick(&["室友", "同班同学", "社团学长", "隔壁宿舍同学"])
            }
        }
        "违纪" => rng.pick(&[
            "多次无故旷课",
            "在宿舍违规使用大功率电器",
            "多次晚归",
            "夜不归宿一次",
            "宿舍卫生检查多次不合格",
        ]),
        "处分事由" => rng.pick(&[
            "期末考试中携带与考试有关的资料",
            "累计旷课超过规定学时",
            "在宿舍使用违章电器引发跳闸",
            "夜不归宿且未履行请假手续",
        ]),
        "金额" => rng.pick(&["500", "800", "1000", "1500", "2000"]),
        "生活费" => rng.pick(&["600", "800", "1000", "1200"]),
        "困难档次" => rng.pick(&["一般困难", "困难", "特别困难"]),
        "去向" => rng.pick(&[
            "考研",
            "考公务员",
            "毕业后直接就业",
            "报考选调生",
            "出国留学",
            "应征入伍",
        ]),
        "小病" => rng.pick(&["急性肠胃炎", "重感冒发烧", "扭伤脚踝", "阑尾炎手术"]),
        "天数" => rng.pick(&["三", "五", "七", "十"]),
        "性格" => rng.pick(&["开朗", "偏内向", "比较安静", "活泼外向", "沉稳"]),
        "兄妹" => rng.pick(&[
            "家中还有一个弟弟在读初中",
            "家中还有一个妹妹在读高中",
            "是家中独生子女",
            "家中还有两个弟弟妹妹",
            "家中有一个姐姐已工作",
        ]),
        "假期活动" => rng.pick(&[
            "帮父母做农活",
            "照顾弟弟妹妹",
            "复习功课",
            "学驾照",
            "和同学外出旅行",
            "参加社区志愿服务",
        ]),
        "压力源" => rng.pick(&[
            "学业和考试压力大",
            "与家人之间的矛盾",
            "对前途的担忧",
            "宿舍人际关系",
            "感情问题",
            "考研复习进展不顺",
        ]),
        "母亲职业" => rng.pick(&["在镇上超市打工", "在家照顾老人", "也在家务农", "在工厂上班"]),
        "父亲变故" => rng.pick(&[
            "在工地受伤暂时无法工作",
            "做小生意亏损",
            "下岗后一直打零工",
            "患病需要长期治疗",
        ]),
        "残疾" => rng.pick(&["轻度听力障碍", "左腿行动不便", "视力障碍（高度弱视）"]),
        "表现" => rng.pick(&[
            "学习态度端正，与同学相处融洽",
            "按时上课，成绩中等",
            "积极参加班级和社团活动",
            "生活作息比较规律",
        ]),
        "家长反馈" => rng.pick(&[
            "会多关心孩子的学习生活",
            "孩子在家比较懂事，感谢老师关心",
            "孩子平时很少和家里说学校的事，希望老师多反馈",
            "家里一切正常，请老师放心",
        ]),
        "小时" => rng.pick(&["五", "六", "八", "十"]),
        "因子" => rng.pick(&["抑郁", "焦虑", "强迫", "人际关系敏感", "躯体化", "睡眠"]),
        "原因" => rng.pick(&["学业受挫", "失恋", "家庭变故", "人际冲突", "环境不适应"]),
        _ => key,
    };
    out.push_str(v);
}

const CLUBS: &[&str] = &[
    "学生会",
    "青年志愿者协会",
    "篮球社",
    "吉他社",
    "摄影协会",
    "辩论队",
    "话剧社",
    "羽毛球协会",
    "动漫社",
    "科技创新协会",
];
const CONTESTS: &[&str] = &[
    "全国大学生数学建模竞赛",
    "“挑战杯”课外学术科技作品竞赛",
    "校英语演讲比赛",
    "校运会",
    "“互联网+”大学生创新创业大赛",
    "省大学生程序设计竞赛",
    "校园歌手大赛",
];
const SCHOLARSHIPS: &[&str] = &[
    "国家奖学金",
    "国家励志奖学金",
    "校级一等奖学金",
    "校级二等奖学金",
    "学习进步奖",
    "“优秀学生干部”称号",
];
const JOBS: &[&str] = &["家教", "奶茶店", "快递站", "培训机构", "超市", "餐馆"];
const WORK_STUDY: &[&str] = &[
    "图书馆勤工助学岗",
    "食堂勤工助学岗",
    "学院办公室助理岗",
    "实验室管理助理岗",
];
const ILLNESS: &[&str] = &[
    "住院做手术",
    "查出慢性病需要长期治疗",
    "突发脑梗住院",
    "因病住院",
];
const CERTS: &[&str] = &[
    "英语四级",
    "英语六级",
    "计算机二级",
    "教师资格证",
    "普通话等级考试",
    "考研",
];

// ---------------------------------------------------------------------------------------------
// Talks 谈心谈话

const FRESHMAN: &[Scenario] = &[
    &[
        &[
            "新生入学谈话。该生来自{家乡}，第一次离家独立生活，入学后整体适应较好。",
            "新生入学谈话。该生性格{性格}，入学以来按时参加各项活动，军训表现认真。",
            "新生入学谈话。该生入学后已基本熟悉校园环境和{专业}专业的培养方案。",
        ],
        &[
            "与室友相处融洽，已报名参加{社团}。",
            "自述对大学生活充满期待，希望在学业上有所突破。",
            "每周与家人视频一到两次，偶尔会想家，但能自我调节。",
            "作息规律，饮食和睡眠情况良好。",
        ],
        &[
            "向其介绍了学业导师制度和心理健康教育中心的预约方式。",
            "鼓励其主动参加班级和宿舍集体活动，多与同学交流。",
            "建议其尽早做好大学学业规划，合理安排学习和社团时间。",
        ],
        &["", "该生情绪稳定，精神状态良好。", "初步评估无明显风险。"],
    ],
    &[
        &[
            "新生入学谈话。该生自述还不太适应大学的学习方式，课堂节奏比高中快，{课程}听得有些吃力。",
            "新生入学谈话。该生反映军训期间体能跟不上，有些焦虑，担心给班级拖后腿。",
            "新生入学谈话。该生表示{专业}是调剂录取的专业，对专业兴趣不大，有些迷茫。",
            "新生入学谈话。该生自述性格偏内向，入学两周还没有交到关系较近的朋友。",
        ],
        &[
            "入学后饮食不太习惯，睡眠尚可。",
            "晚上偶尔失眠，白天上课注意力不够集中。",
            "与家人联系频繁，想家情绪较明显。",
            "目前与室友交流不多，关系一般。",
        ],
        &[
            "帮助其认识适应期的正常反应，引导其逐步调整学习方法。",
            "介绍了学校转专业政策和辅修专业，建议其先学好基础课再做决定。",
            "请班级心理委员和寝室长在日常生活中多关心该生。",
            "建议其参加学院朋辈辅导活动，必要时到心理健康教育中心咨询。",
        ],
        &[
            "约定一个月后再次谈话，了解适应情况。",
            "该生表示愿意尝试，情绪基本稳定。",
            "",
        ],
    ],
    &[
        &[
            "新生入学谈话。该生通过绿色通道办理入学手续，家庭经济较为困难。",
            "新生入学谈话。该生来自{家乡}农村，{兄妹}，父母常年在外务工。",
        ],
        &[
            "学费已申请生源地信用助学贷款，生活费主要靠家里每月寄来的一千元左右。",
            "该生生活节俭，希望能找一份勤工助学岗位减轻家里负担。",
        ],
        &[
            "告知其家庭经济困难认定和国家助学金的申请流程。",
            "推荐其申请{勤工岗}。",
        ],
        &["鼓励其安心学习，有困难及时反映。", "该生态度积极，情绪稳定。"],
    ],
];

const FRESHMAN_GRAD: &[Scenario] = &[&[
    &[
        "研究生新生入学谈话。该生本科毕业于外省院校，对学校和学院环境还在熟悉中。",
        "研究生新生入学谈话。该生为本校推免生，对学院情况比较熟悉。",
        "研究生新生入学谈话。该生本科毕业后工作过两年，重新回到校园，有些不适应。",
    ],
    &[
        "已与导师见面，导师安排其先阅读相关文献。",
        "目前课程较多，同时需要参加课题组组会。",
        "对研究方向还不太明确，有些焦虑。",
    ],
    &[
        "介绍了研究生培养环节和时间节点，建议其主动与导师沟通。",
        "提醒其注意学术规范，合理安排课程学习与科研。",
        "鼓励其参加研究生会和学院学术活动，扩大交往圈。",
    ],
    &["", "该生情绪稳定。", "约定开学一个月后再了解情况。"],
]];

/// The three kinds of 重要时间节点.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyTimeKind {
    /// 开学初
    Start,
    /// 放假前
    PreHoliday,
    /// 成绩公布后
    AfterGrades,
}

const KEY_START: &[Scenario] = &[&[
    &[
        "开学初谈话。该生{假期}在家{假期活动}，返校后状态良好。",
        "新学期返校谈话。该生按时返校报到，本学期课程有{课程}等，表示压力可控。",
        "开学初谈话。该生{假期}期间在{兼职}做了一个多月兼职，积累了一些社会经验。",
        "开学返校谈话。该生提到{假期}期间作息不规律，开学第一周还有些不适应。",
    ],
    &[
        "本学期计划准备{考证}。",
        "与室友关系和睦，宿舍氛围较好。",
        "身体状况良好，家中一切正常。",
        "表示本学期希望把成绩再提高一些。",
    ],
    &[
        "提醒其尽快调整作息，按时上课。",
        "与其讨论了本学期的学习计划。",
        "鼓励其保持良好状态，有困难及时沟通。",
    ],
    &["", "该生精神状态良好。"],
]];

const KEY_HOLIDAY: &[Scenario] = &[&[
    &[
        "{假期}离校前谈话。该生计划回{家乡}，已购买返程车票。",
        "{假期}前谈话。该生计划留校准备{考证}，已按要求办理留校登记。",
        "{假期}前谈话。该生计划在学校附近的{兼职}打工，暂不回家。",
        "离校前安全教育谈话。该生计划{假期}与老乡结伴返乡。",
    ],
    &[
        "提醒其注意交通安全、防范电信诈骗，离校前关闭宿舍电源。",
        "叮嘱其假期保持通讯畅通，遇到问题及时与辅导员联系。",
        "提醒其注意饮食安全和作息规律，按时返校。",
    ],
    &["", "该生表示会注意安全。", "该生情绪稳定，无异常。"],
]];

const KEY_GRADES: &[Scenario] = &[&[
    &[
        "期末成绩公布后谈话。该生上学期平均学分绩点{绩点}，较之前有所{升降}。",
        "成绩公布后谈话。该生{课程}未通过，情绪有些低落。",
        "成绩公布后谈话。该生成绩排名专业{排名}，对结果比较满意。",
        "成绩公布后谈话。该生成绩总体平稳，但{课程}分数偏低。",
    ],
    &[
        "该生认为主要原因是期末复习时间安排不合理。",
        "自述考试时过于紧张，发挥失常。",
        "表示下学期会更加重视平时作业和课堂表现。",
        "",
    ],
    &[
        "告知其补考报名时间和重修政策。",
        "帮助其分析各科成绩，找出薄弱环节。",
        "鼓励其保持学习势头，争取评优评先。",
        "建议其多向学习委员和任课教师请教。",
    ],
    &["", "该生情绪平稳，表示能正确看待成绩。"],
]];

/// Special groups 特殊学生群体 a talk may be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecialKind {
    /// 单亲家庭
    SingleParent,
    /// 祖辈抚养
    Grandparents,
    /// 残疾学生
    Disability,
    /// 退役大学生士兵
    Veteran,
    /// 少数民族学生
    Minority,
    /// 重点关注学生
    Concern,
    /// 在医院就诊的学生
    Diagnosed,
}

const SPECIAL_SINGLE: &[Scenario] = &[&[
    &[
        "特殊群体学生谈话。该生父母离异，由{单亲}一人抚养长大，家庭负担较重。",
        "特殊群体学生谈话。该生为单亲家庭，平时与{单亲}生活在一起。",
    ],
    &[
        "该生性格比较独立，平时很少主动向别人倾诉。",
        "近期与{单亲}通话时得知家里经济比较紧张。",
        "学习态度端正，成绩中等。",
    ],
    &[
        "鼓励其遇到困难及时求助，不必独自承担。",
        "告知其可申请家庭经济困难认定。",
        "请班级心理委员平时多关注其情绪变化。",
    ],
    &[
        "",
        "该生情绪稳定。",
        "约定下学期初再次谈话。",
        "该生表示有困难会及时联系辅导员。",
    ],
]];
const SPECIAL_GRANDPARENTS: &[Scenario] = &[&[
    &["特殊群体学生谈话。该生自幼由祖辈抚养，与父母联系较少。"],
    &[
        "家中老人年纪大了，身体不太好，该生比较挂念。",
        "自述与父母有些隔阂，遇事习惯自己扛。",
    ],
    &[
        "鼓励其多与家人沟通，遇到困难及时向老师和同学求助。",
        "告知其学校资助和心理咨询的渠道。",
    ],
    &[
        "",
        "该生情绪稳定。",
        "约定下学期初再次谈话。",
        "该生表示有困难会及时联系辅导员。",
    ],
]];
const SPECIAL_DISABILITY: &[Scenario] = &[&[
    &["特殊群体学生谈话。该生有{残疾}，日常学习生活需要一定照顾。"],
    &[
        "已协调任课教师安排其坐在前排，并提供课件。",
        "宿舍已安排在低楼层，方便出行。",
    ],
    &[
        "了解其在生活和学习上的实际困难，告知学校相关帮扶政策。",
        "鼓励其积极参与班级活动。",
    ],
    &[
        "",
        "该生情绪稳定。",
        "约定下学期初再次谈话。",
        "该生表示有困难会及时联系辅导员。",
    ],
]];
const SPECIAL_VETERAN: &[Scenario] = &[&[
    &["特殊群体学生谈话。该生为退役大学生士兵，复学后与低年级同学一起上课。"],
    &[
        "与同学年龄差距较大，融入班级有一定困难。",
        "部分课程知识有些遗忘，学习上比较吃力。",
    ],
    &[
        "鼓励其发挥退役军人的优势，参与班级管理。",
        "安排学习委员协助其补习基础课程。",
    ],
    &[
        "",
        "该生情绪稳定。",
        "约定下学期初再次谈话。",
        "该生表示有困难会及时联系辅导员。",
    ],
]];
const SPECIAL_MINORITY: &[Scenario] = &[&[
    &["特殊群体学生谈话。该生为少数民族学生，来自{家乡}。"],
    &[
        "入学后在饮食方面基本适应，已熟悉清真餐厅位置。",
        "日常交流没有障碍，但专业课学习有些吃力。",
        "与同学相处融洽，积极参加学校民族团结主题活动。",
    ],
    &[
        "了解其学习和生活中的困难，告知学校帮扶政策。",
        "安排同学结对帮扶，鼓励其多参加集体活动。",
    ],
    &[
        "",
        "该生情绪稳定。",
        "约定下学期初再次谈话。",
        "该生表示有困难会及时联系辅导员。",
    ],
]];
const SPECIAL_CONCERN: &[Scenario] = &[&[
    &[
        "重点关注学生定期跟踪谈话。",
        "重点关注学生跟踪谈话，按一人一策要求定期进行。",
    ],
    &[
        "该生近期作息基本规律，按时上课，情绪较前平稳。",
        "该生自述最近睡眠有所改善，但遇到考试仍会紧张。",
        "该生近期情绪有些反复，自述对很多事情提不起兴趣。",
        "该生表示与室友关系有所缓和，宿舍氛围比之前好。",
        "该生近期学业压力较大，{课程}跟不上进度。",
    ],
    &[
        "继续落实一人一策，请班级心理委员和寝室长密切关注。",
        "鼓励其坚持规律作息和适量运动，必要时到心理中心咨询。",
        "已将近期情况与家长沟通。",
        "建议其继续参加心理健康教育中心的团体辅导。",
    ],
    &["", "该生表示有困难会主动联系。", "暂未发现危险信号。"],
]];
const SPECIAL_DIAGNOSED: &[Scenario] = &[&[
    &["就医学生跟踪谈话。", "对在医院就诊学生的定期回访。"],
    &[
        "该生目前在{医院}规律复诊，遵医嘱服药，情绪较前平稳。",
        "该生自述服药后白天有些嗜睡，上课偶尔打瞌睡。",
        "该生近期复诊时医生调整了用药剂量，自述睡眠有所改善。",
        "该生表示病情好转，想自行减药。",
    ],
    &[
        "提醒其按时服药、按期复诊，不可自行停药或减药。",
        "与其讨论了课程学习安排，必要时可申请缓考。",
        "提醒其遇到情绪波动及时联系辅导员或家长。",
    ],
    &["", "该生情绪稳定，否认有自伤想法。"],
]];

const REQUESTED: &[Scenario] = &[
    &[
        &[
            "该生通过微信预约谈话，自述最近两周情绪低落，对以前喜欢的事情提不起兴趣。",
            "该生主动来办公室，表示最近压力很大，常常莫名想哭。",
            "该生主动预约谈话，反映近期{压力源}，晚上经常失眠。",
        ],
        &[
            "自述主要压力来自{压力源}。",
            "睡眠较差，食欲下降，但否认有伤害自己的想法。",
            "",
        ],
        &[
            "耐心倾听并给予情感支持，建议其到心理健康教育中心咨询，已协助预约本周{星期}的咨询时段。",
            "与其一起梳理压力来源，讨论了可以尝试的调节方法。",
        ],
        &["约定{周期}后再次谈话。", ""],
    ],
    &[
        &[
            "该生主动找辅导员，咨询转专业的相关政策和流程。",
            "该生预约谈话，想了解转专业和辅修第二学位的要求。",
            "该生主动来办公室，表示正在考虑转专业，想听听老师的意见。",
        ],
        &[
            "该生对{专业}兴趣不大，想转到其他专业。",
            "该生希望转到更感兴趣的专业，担心达不到成绩要求。",
            "该生自述高考志愿是家长填报的，入学后发现与自己的兴趣差距较大。",
            "该生觉得目前专业的课程难度较大，担心跟不上。",
        ],
        &[
            "向其介绍了转专业的条件和时间安排，建议其结合自身兴趣和能力慎重决定。",
            "建议其先了解目标专业的课程设置，并与家长充分沟通后再做决定。",
            "告知其转专业的报名时间和考核方式，提醒其先把本专业课程学好。",
        ],
        &["", "该生表示会认真考虑。", "约定报名前再沟通一次。"],
    ],
    &[
        &[
            "该生主动约谈，表示对毕业后考研还是就业感到纠结。",
            "该生主动预约谈话，想咨询{去向}的相关信息。",
        ],
        &[
            "家里希望其考公务员，但该生自己更想从事与{专业}相关的工作。",
            "担心自己能力不够，迟迟不敢做决定。",
            "看到身边同学都在准备考研，自己也有些焦虑。",
            "该生对{专业}相关行业的就业前景不太了解。",
        ],
        &[
            "与其分析了不同选择的利弊，建议其多参加就业指导讲座和实习。",
            "推荐其预约学校生涯发展咨询。",
            "建议其向已毕业的学长学姐了解情况，结合自身特点做规划。",
        ],
        &["", "该生表示思路清晰了一些。", "约定一个月后再交流进展。"],
    ],
    &[
        &[
            "该生主动来办公室，反映与{对象}之间的矛盾让自己很困扰。",
            "该生通过微信约谈，说最近和{对象}闹了矛盾，心里很不舒服。",
        ],
        &[
            "双方因为一些生活琐事产生误会，关系一直比较紧张。",
            "该生觉得对方经常针对自己，心里很委屈。",
            "矛盾起因是借用物品未归还，之后双方互不说话。",
        ],
        &[
            "引导其换位思考，鼓励其主动沟通化解误会，必要时辅导员可以出面协调。",
            "与其一起分析矛盾的原因，建议其先冷静下来，再找合适的时机沟通。",
        ],
        &["", "该生情绪较来时平稳。", "约定{周期}后了解进展。"],
    ],
];
const REQUESTED_GRAD: &[Scenario] = &[&[
    &[
        "该生主动预约谈话，反映科研进展不顺利，实验数据一直不理想。",
        "该生主动约谈，表示对论文进度和毕业要求感到焦虑。",
    ],
    &[
        "担心不能按时完成中期考核，最近压力很大。",
        "自述经常熬夜，睡眠不足，情绪有些烦躁。",
    ],
    &[
        "建议其主动与导师沟通，调整研究计划。",
        "与其一起梳理时间节点，鼓励其劳逸结合，必要时到心理中心咨询。",
    ],
]];

const REWARD_DISCIPLINE: &[Scenario] = &[
    &[
        &[
            "该生获得{奖学金}，进行表彰谈话。",
            "该生在{比赛}中获得{名次}，进行表彰谈话。",
        ],
        &[
            "该生表示会继续努力，在班级中发挥带头作用。",
            "该生分享了学习和备赛的经验。",
        ],
        &[
            "肯定其成绩，提醒其戒骄戒躁，兼顾身体健康。",
            "鼓励其在班级分享学习经验，带动身边同学。",
            "鼓励其在保持成绩的同时多参加社会实践。",
        ],
        &["", "该生精神状态良好。"],
    ],
    &[
        &["该生本学期{违纪}，被学院通报批评，进行批评教育谈话。"],
        &[
            "该生承认错误，表示主要是自己自律性不够。",
            "该生起初有些抵触，经过沟通后认识到问题的严重性。",
        ],
        &[
            "向其讲明校纪校规，要求其写出书面检讨。",
            "与其约定改进措施，请班长和寝室长协助监督。",
        ],
        &["", "将视后续表现决定是否告知家长。"],
    ],
    &[
        &[
            "该生因{处分事由}受到警告处分，进行处分后谈话。",
            "该生因{处分事由}受到严重警告处分，进行处分后谈话。",
        ],
        &[
            "该生情绪有些低落，担心处分影响评优和就业。",
            "该生对处分结果表示接受，认识到了错误。",
        ],
        &[
            "告知其处分解除的条件和程序，鼓励其放下思想包袱。",
            "了解其近期心理状态，提醒其调整情绪，以积极表现争取早日解除处分。",
        ],
        &["", "该生情绪基本稳定。", "已将处分情况告知家长。"],
    ],
];

const ACADEMIC: &[Scenario] = &[&[
    &[
        "学业预警谈话。该生上学期{几门}课程不及格，累计不及格学分达到学业预警标准。",
        "该生{课程}期中测验成绩较差，自述上课听不懂，课后作业多依赖同学。",
        "该生近期多次缺课，任课教师反映其{课程}作业未按时提交。",
        "该生为退学试读学生，本学期需修满规定学分并通过重修课程。",
    ],
    &[
        "该生自述沉迷{游戏}，经常熬夜到凌晨，早上起不来。",
        "该生认为自己基础较差，学习方法不当。",
        "该生表示对专业缺乏兴趣，学习动力不足。",
        "该生担心影响毕业，压力较大。",
    ],
    &[
        "与其一起分析不及格原因，制定每周学习计划，安排成绩较好的同学结对帮扶。",
        "建议其参加学院组织的{课程}辅导班，主动向任课教师请教。",
        "告知其补考和重修的时间安排，提醒其按时选课。",
        "已将学业预警情况告知家长，共同督促其学习。",
    ],
    &[
        "约定{周期}后检查学习计划落实情况。",
        "",
        "该生表示会努力改进。",
    ],
]];
const ACADEMIC_GRAD: &[Scenario] = &[&[
    &[
        "该生开题报告未通过，需要在{周期}内修改后重新开题。",
        "该生中期考核成绩一般，论文进度落后于计划。",
        "该生小论文投稿多次被拒，对毕业要求感到焦虑。",
    ],
    &[
        "自述与导师沟通不多，对研究方向把握不准。",
        "实验进展缓慢，经常在实验室待到深夜。",
    ],
    &[
        "建议其主动与导师沟通，制定切实可行的时间计划。",
        "联系导师了解情况，共同商量帮扶措施。",
        "提醒其劳逸结合，注意身体。",
    ],
]];

const RELATIONSHIP: &[Scenario] = &[
    &[
        &[
            "该生反映与室友在作息时间上存在矛盾，室友晚上打游戏到很晚，影响其休息。",
            "该生所在宿舍因卫生值日问题发生争执，关系比较紧张。",
            "该生反映宿舍同学私下建了小群，感觉自己被孤立。",
            "宿舍因空调温度和熄灯时间等生活习惯问题产生矛盾，该生情绪受到影响。",
        ],
        &[
            "该生情绪有些激动，提出想调换宿舍。",
            "该生自述不善于表达，矛盾积压了较长时间。",
            "经了解，双方都有一定的责任。",
        ],
        &[
            "分别与宿舍其他同学沟通，协调制定宿舍作息公约。",
            "召开宿舍会议，引导大家换位思考、相互包容。",
            "请宿舍心理信息员关注宿舍氛围，有情况及时反馈。",
        ],
        &["", "约定{周期}后回访宿舍关系。"],
    ],
    &[
        &[
            "该生近期与恋人分手，情绪低落，上课注意力不集中。",
            "该生与异地的恋人经常因小事争吵，感到很疲惫。",
            "该生反映恋爱关系中对方控制欲较强，感到压抑。",
        ],
        &[
            "该生自述这几天吃不下饭，晚上睡不好。",
            "该生表示不想让家人知道这件事。",
            "",
        ],
        &[
            "耐心倾听，引导其理性看待感情问题，把注意力转移到学习和兴趣上。",
            "建议其多与好友交流，必要时到心理健康教育中心咨询。",
            "请室友多陪伴，关注其情绪变化。",
        ],
    ],
    &[
        &[
            "该生反映在班级中与个别同学关系紧张，感到被排斥。",
            "该生在{社团}工作中与其他成员意见不合，产生了矛盾。",
            "该生自述不知道如何与人相处，在集体中常常感到尴尬。",
        ],
        &[
            "该生为此情绪低落，不愿参加集体活动。",
            "该生认为自己说话比较直，容易得罪人。",
        ],
        &[
            "与其分析人际交往中的问题，鼓励其参加心理中心的人际交往团体辅导。",
            "引导其学会表达自己的感受，也尊重他人的想法。",
        ],
    ],
];
const RELATIONSHIP_GRAD: &[Scenario] = &[&[
    &[
        "该生反映与导师在研究方向上存在分歧，沟通不畅。",
        "该生反映课题组任务较多，与{对象}在分工上有些矛盾。",
    ],
    &[
        "该生担心影响毕业，不敢向导师直接表达想法。",
        "该生最近情绪有些烦躁。",
    ],
    &[
        "建议其以尊重的方式与导师坦诚沟通，必要时学院可以协调。",
        "引导其明确分工边界，主动沟通。",
    ],
]];

const HARDSHIP: &[Scenario] = &[&[
    &[
        "家庭经济困难学生谈话。该生父亲务农，母亲{母亲职业}，{兄妹}。",
        "该生家中{亲人}{病}，家庭开支压力较大。",
        "该生家乡近期遭受{灾害}，家中房屋和农作物受损。",
        "该生父亲{父亲变故}，家庭收入明显减少。",
    ],
    &[
        "该生平时生活节俭，每月生活费不足{生活费}元。",
        "该生担心家里负担太重，考虑休学打工。",
        "该生已申请国家助学贷款，表示会自食其力。",
        "",
    ],
    &[
        "已协助其申请临时困难补助{金额}元。",
        "推荐其申请{勤工岗}。",
        "告知其国家助学金和助学贷款的申请流程。",
        "经班级评议小组评议，认定为{困难档次}，纳入资助对象。",
    ],
    &[
        "鼓励其不要因经济问题影响学业和心态。",
        "该生情绪稳定，表示感谢。",
        "",
    ],
]];

const OTHER: &[Scenario] = &[
    &[
        &[
            "该生咨询入党积极分子的相关要求，表达了入党意愿。",
            "职业规划谈话。该生计划{去向}，目前在做准备。",
            "该生准备参加{考证}，与其讨论复习计划。",
            "该生竞选班委成功，进行学生干部谈话。",
            "该生报名参加{比赛}，与其交流备赛安排。",
        ],
        &[
            "该生态度积极，目标比较明确。",
            "该生表示时间安排上有些紧张。",
            "",
        ],
        &[
            "提醒其合理安排时间，兼顾学业。",
            "鼓励其做好准备，有需要可随时联系辅导员。",
        ],
        &["", "该生精神状态良好。"],
    ],
    &[
        &[
            "该生近期{小病}，请病假{天数}天，了解恢复情况。",
            "该生因{小病}在校医院就诊，到宿舍看望并了解情况。",
        ],
        &[
            "目前已基本康复，能正常上课。",
            "身体仍有些虚弱，室友在生活上给予了照顾。",
        ],
        &[
            "提醒其注意休息，落下的课程可向同学借笔记补上。",
            "告知其缓考申请的流程，叮嘱其按时复查。",
        ],
    ],
    &[
        &[
            "该生申请校外实习，了解实习单位和住宿情况。",
            "该生暑期参加社会实践，返校后交流实践收获。",
        ],
        &[
            "实习单位与{专业}专业对口，该生比较满意。",
            "该生表示收获较大，对专业有了新的认识。",
        ],
        &[
            "提醒其注意人身安全和劳动权益保护，定期与辅导员联系。",
            "鼓励其总结经验，撰写实践报告。",
        ],
    ],
];

const SCREENING_FOLLOW_UP: &[Scenario] = &[&[
    &[
        "心理普查回访谈话。该生心理普查结果为{普查结果}，按要求进行约谈。",
        "心理普查回访。该生普查结果提示{普查结果}，与其面谈了解情况。",
    ],
    &[
        "该生自述做问卷时正值军训，身体疲劳，情绪有些低落。",
        "该生自述入学后睡眠不好，有些焦虑，但能正常学习生活。",
        "该生表示高中时期曾有一段时间情绪低落，目前已基本好转。",
        "该生自述对大学环境不太适应，经常想家。",
    ],
    &[
        "评估后认为暂无明显风险，建议其关注自身情绪，必要时到心理中心咨询。",
        "建议其到心理健康教育中心做进一步评估，已协助预约。",
        "已将情况告知心理委员和寝室长，请其日常多加关注。",
    ],
]];

/// A freshman talk.
pub(crate) fn freshman(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    if ctx.graduate {
        compose_one(FRESHMAN_GRAD, ctx, rng)
    } else if ctx.result != "正常" {
        compose_one(&FRESHMAN[1..2], ctx, rng)
    } else if ctx.hardship && rng.chance(6_000) {
        compose_one(&FRESHMAN[2..], ctx, rng)
    } else {
        compose_one(&FRESHMAN[..2], ctx, rng)
    }
}

/// A talk at an important time node.
pub(crate) fn key_time(kind: KeyTimeKind, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    match kind {
        KeyTimeKind::Start => compose_one(KEY_START, ctx, rng),
        KeyTimeKind::PreHoliday => compose_one(KEY_HOLIDAY, ctx, rng),
        KeyTimeKind::AfterGrades => compose_one(KEY_GRADES, ctx, rng),
    }
}

/// A talk with a student of a special group.
pub(crate) fn special(kind: SpecialKind, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let s = match kind {
        SpecialKind::SingleParent => SPECIAL_SINGLE,
        SpecialKind::Grandparents => SPECIAL_GRANDPARENTS,
        SpecialKind::Disability => SPECIAL_DISABILITY,
        SpecialKind::Veteran => SPECIAL_VETERAN,
        SpecialKind::Minority => SPECIAL_MINORITY,
        SpecialKind::Concern => SPECIAL_CONCERN,
        SpecialKind::Diagnosed => SPECIAL_DIAGNOSED,
    };
    compose_one(s, ctx, rng)
}

/// A talk the student asked for.
pub(crate) fn requested(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    if ctx.graduate && rng.chance(6_000) {
        compose_one(REQUESTED_GRAD, ctx, rng)
    } else {
        compose_one(REQUESTED, ctx, rng)
    }
}

/// A talk about a reward, criticism or sanction.
pub(crate) fn reward_discipline(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    // Rewards are more common than sanctions.
    let i = rng.weighted(&[7, 2, 1]);
    let mut out = String::with_capacity(300);
    compose(&mut out, REWARD_DISCIPLINE[i], ctx, rng);
    exact(out)
}

/// A talk about academic trouble.
pub(crate) fn academic(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    if ctx.graduate {
        compose_one(ACADEMIC_GRAD, ctx, rng)
    } else {
        compose_one(ACADEMIC, ctx, rng)
    }
}

/// A talk about dorm conflict, romance or relationships.
pub(crate) fn relationship(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    if ctx.graduate && rng.chance(5_000) {
        compose_one(RELATIONSHIP_GRAD, ctx, rng)
    } else {
        compose_one(RELATIONSHIP, ctx, rng)
    }
}

/// A talk about economic hardship or a disaster.
pub(crate) fn hardship(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    compose_one(HARDSHIP, ctx, rng)
}

/// Any other talk.
pub(crate) fn other(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    compose_one(OTHER, ctx, rng)
}

/// The interview that follows a flagged screening.
pub(crate) fn screening_follow_up(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    compose_one(SCREENING_FOLLOW_UP, ctx, rng)
}

/// A place of a talk (weighted).
pub(crate) fn talk_place(rng: &mut Rng, dorm: &str) -> String {
    let p = rng.pick_weighted(super::places::TALK_PLACES);
    if p == "学生宿舍" && !dorm.is_empty() {
        format!("学生宿舍{dorm}")
    } else {
        p.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Parent contacts 家校联系

/// Why the parents were contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContactKind {
    /// 每学期例行
    Routine,
    /// 学业预警
    Academic,
    /// 重点关注学生
    Concern,
    /// 就医学生（每半月）
    Diagnosed,
    /// 危机事件
    Crisis,
    /// 家庭经济困难
    Hardship,
    /// 休学期间
    Leave,
}

const CONTACT_ROUTINE: &[Scenario] = &[&[
    &["学期例行家校联系。", "例行家校沟通。"],
    &[
        "向家长反馈该生本学期在校表现，{表现}。",
        "向家长介绍了学校的心理健康教育和资助政策。",
        "了解该生在家情况和家庭近况。",
    ],
    &["家长表示{家长反馈}。"],
    &["", "约定保持联系。"],
]];
const CONTACT_ACADEMIC: &[Scenario] = &[&[
    &[
        "就该生学业预警情况与家长沟通。",
        "与家长沟通该生近期学习情况。",
    ],
    &[
        "该生上学期{几门}课程不及格，近期仍有缺课现象。",
        "该生近期{课程}作业多次未交。",
    ],
    &[
        "家长表示会加强与孩子的沟通，督促其按时上课。",
        "家长对情况有些意外，表示会和孩子好好谈谈。",
    ],
]];
const CONTACT_CONCERN: &[Scenario] = &[&[
    &["与家长沟通该生近期心理状况。", "重点关注学生家校联系。"],
    &[
        "告知家长该生近期情绪低落，睡眠较差，建议家长多给予理解和关心。",
        "向家长反馈该生近期状态有所好转，但仍需持续关注。",
        "向家长说明学校将该生列为重点关注对象及相应的帮扶措施。",
    ],
    &[
        "家长表示会经常和孩子视频通话，配合学校做好工作。",
        "家长表示理解，同意必要时带孩子到医院就诊。",
        "家长起初认为孩子没有问题，经沟通后表示会重视。",
    ],
]];
const CONTACT_DIAGNOSED: &[Scenario] = &[&[
    &["就医学生家校联系。", "就医学生半月联系。"],
    &[
        "与家长沟通该生复诊和服药情况，提醒家长督促其按时服药、按期复诊。",
        "了解该生最近一次在{医院}复诊的结果，医生建议继续服药观察。",
    ],
    &[
        "家长表示会定期陪同复诊。",
        "家长表示孩子最近情绪比较平稳。",
        "家长担心药物副作用，已建议其与医生沟通。",
    ],
]];
const CONTACT_CRISIS: &[Scenario] = &[&[
    &["危机事件家校联系。"],
    &[
        "第一时间告知家长该生情况，请家长尽快到校。",
        "向家长说明学校已采取的安全措施和下一步就医安排。",
    ],
    &[
        "家长表示当天动身，预计{小时}小时内到校。",
        "家长到校后共同陪同该生就医。",
    ],
]];
const CONTACT_HARDSHIP: &[Scenario] = &[&[
    &["与家长沟通家庭经济情况。"],
    &[
        "了解到家中近期{亲人}{病}，医疗费用支出较大。",
        "核实家庭经济困难认定的相关情况。",
    ],
    &[
        "告知家长学校资助政策，请家长放心。",
        "家长表示会尽力支持孩子完成学业。",
    ],
]];
const CONTACT_LEAVE: &[Scenario] = &[&[
    &["休学期间家校联系。"],
    &[
        "了解该生休学在家的治疗和恢复情况。",
        "与家长沟通复学的条件和需要准备的材料。",
    ],
    &[
        "家长表示孩子目前情绪平稳，在坚持治疗。",
        "家长表示计划下学期申请复学。",
    ],
]];

/// The text of a parent contact.
pub(crate) fn contact(kind: ContactKind, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let s = match kind {
        ContactKind::Routine => CONTACT_ROUTINE,
        ContactKind::Academic => CONTACT_ACADEMIC,
        ContactKind::Concern => CONTACT_CONCERN,
        ContactKind::Diagnosed => CONTACT_DIAGNOSED,
        ContactKind::Crisis => CONTACT_CRISIS,
        ContactKind::Hardship => CONTACT_HARDSHIP,
        ContactKind::Leave => CONTACT_LEAVE,
    };
    compose_one(s, ctx, rng)
}

// ---------------------------------------------------------------------------------------------
// Screenings, key concern, plans, crises, referrals, leave

/// The result band in words.
pub(crate) fn result_words(r: ScreeningResult) -> &'static str {
    match r {
        ScreeningResult::Normal => "正常",
        ScreeningResult::Mild => "轻度异常",
        ScreeningResult::Moderate => "中度异常",
        ScreeningResult::Severe => "重度异常",
    }
}

/// Notes of a screening.
pub(crate) fn screening_notes(r: ScreeningResult, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let t: &str = match r {
        ScreeningResult::Normal => rng.pick(&["", "各因子分均在正常范围。", "未见异常。"]),
        ScreeningResult::Mild => rng.pick(&[
            "{因子}因子分偏高，建议关注。",
            "个别条目阳性，{因子}方面略有困扰，建议回访。",
        ]),
        ScreeningResult::Moderate => rng.pick(&[
            "{因子}因子分明显偏高，需约谈回访。",
            "多个因子分偏高，以{因子}为主，需约谈评估。",
        ]),
        ScreeningResult::Severe => rng.pick(&[
            "总分显著偏高，关键条目（消极念头相关）阳性，需尽快约谈评估。",
            "多个因子分显著偏高，{因子}尤为突出，需尽快约谈并进一步评估。",
        ]),
    };
    let mut out = String::new();
    fill(&mut out, t, ctx, rng);
    out
}

/// The problem types of the key-concern list.
pub(crate) const PROBLEM_TYPES: [&str; 8] = [
    "学业困难",
    "情绪问题",
    "家庭变故",
    "人际关系",
    "经济困难",
    "恋爱情感",
    "适应不良",
    "网络成瘾",
];

const PROBLEM_REASONS: [&[&str]; 8] = [
    &[
        "多门课程不及格，达到学业预警标准",
        "学业压力大，存在较强的挫败感",
    ],
    &[
        "近期情绪低落，睡眠差，心理普查结果异常",
        "情绪波动大，自述经常莫名哭泣",
    ],
    &[
        "家中{亲人}{病}，情绪受到较大影响",
        "父母近期离异，情绪波动明显",
    ],
    &[
        "与室友矛盾较深，在班级中较为孤立",
        "人际交往困难，社会支持较少",
    ],
    &[
        "家庭经济特别困难，生活压力较大",
        "家乡遭受{灾害}，家庭经济受损",
    ],
    &[
        "近期失恋，情绪低落，影响正常学习",
        "恋爱关系中矛盾频繁，情绪不稳",
    ],
    &[
        "入学后适应困难，想家情绪明显，多次提出想退学",
        "对专业和环境适应不良，学习生活节奏紊乱",
    ],
    &[
        "沉迷网络游戏，昼夜颠倒，多次旷课",
        "长时间刷短视频，作息紊乱，学业明显下滑",
    ],
];

/// Why a student is put on the key-concern list.
pub(crate) fn concern_reason(types: &[usize], ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(200);
    out.push_str("该生");
    for (i, &t) in types.iter().enumerate() {
        if i > 0 {
            out.push('；');
        }
        let r = rng.pick(PROBLEM_REASONS[t % 8]);
        fill(&mut out, r, ctx, rng);
    }
    out.push_str(rng.pick(&[
        "。经学院研判，列入重点关注名单。",
        "。经周研判会议讨论，列入重点关注名单，落实一人一策。",
        "。由班级心理委员反映，经辅导员约谈核实后列入重点关注。",
    ]));
    exact(out)
}

const PREVENTION_BY_TYPE: [&str; 8] = [
    "安排学业帮扶，结对学习，每周检查学习计划",
    "鼓励其参加心理中心团体辅导和体育锻炼",
    "加强与家长沟通，关注家庭情况变化",
    "协调宿舍关系，引导同学包容支持",
    "优先落实资助，安排勤工助学岗位",
    "引导其正确看待感情问题，安排好友陪伴",
    "安排朋辈骨干陪伴，帮助其融入班级",
    "帮助其制定作息计划，请室友提醒按时休息",
];

/// The three parts of an individual plan 一人一策.
pub(crate) fn plan(types: &[usize], rng: &mut Rng) -> (String, String, String) {
    let mut prevention = String::from(rng.pick(&[
        "请班级心理委员、寝室长日常关注该生情绪和作息，发现异常及时报告；",
        "落实“校—院—班—寝”四级网络关注，寝室长每周反馈一次情况；",
    ]));
    for (i, &t) in types.iter().enumerate() {
        if i > 0 {
            prevention.push('；');
        }
        prevention.push_str(PREVENTION_BY_TYPE[t % 8]);
    }
    prevention.push('。');
    let intervention = rng
        .pick(&[
            "辅导员每两周谈话一次，每学期至少两次联系家长；必要时转介心理健康教育中心进行咨询评估。",
            "辅导员每周了解一次情况，心理中心安排固定咨询师跟进；每月向学院汇报一次。",
            "学院每周研判一次，辅导员每半月谈话并记录，及时与家长沟通变化。",
        ])
        .to_string();
    let handling = rng
        .pick(&[
            "如出现自伤、伤人倾向或其他危机信号，立即启动危机干预程序，按A–D分级上报处置，第一时间通知家长。",
            "发现危险信号时，专人陪护，立即报告学院分管领导，联系家长并视情况送医。",
            "出现异常情况按学校心理危机干预预案处置，必要时转介专业医疗机构。",
        ])
        .to_string();
    (prevention, intervention, handling)
}

/// The rationale of a crisis assessment at a level (0 = A … 3 = D).
pub(crate) fn crisis_rationale(level: usize, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let t: &str = match level {
        0 => rng.pick(&[
            "该生近期因{原因}出现明显的适应困难，情绪低落、睡眠差、食欲下降，能坚持上课，否认自伤想法，暂无危及生命的行为。",
            "该生已在医院确诊，目前规律服药治疗，病情基本稳定，无危及生命的行为。",
            "该生因{原因}情绪持续低落两周以上，社会功能部分受损，暂无危险行为。",
        ]),
        1 => rng.pick(&[
            "该生近两周情绪明显异常，多次向室友流露消极想法，有伤害自己的倾向，暂无实际行为。",
            "该生经医院诊断后近期自行停药，情绪波动大，有危及自身安全的倾向。",
            "该生与室友冲突后情绪失控，扬言要报复对方，存在危及他人安全的倾向。",
        ]),
        2 => rng.pick(&[
            "该生在宿舍内出现自伤行为，经校医院处理伤情不重，目前情绪仍不稳定。",
            "该生出现明显的被害想法，认为有人议论、针对自己，夜间多次惊醒，存在失控风险。",
            "该生过量服药后被室友及时发现并送医，经处理无生命危险。",
        ]),
        _ => rng.pick(&[
            "该生深夜独自到教学楼顶层，有明显轻生意图，被及时劝回，情况危急。",
            "该生自伤后被送医抢救，伤情较重，需持续救治和看护。",
        ]),
    };
    let mut out = String::with_capacity(200);
    fill(&mut out, t, ctx, rng);
    exact(out)
}

/// The actions taken after a crisis assessment at a level (0 = A … 3 = D).
pub(crate) fn crisis_actions(level: usize, ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let t: &str = match level {
        0 => rng.pick(&[
            "辅导员加强谈话和关注，学院工作组提供支持；已与家长沟通；建议到心理健康教育中心咨询。",
            "辅导员每周谈话一次，安排朋辈骨干陪伴；已告知家长并约定保持联系。",
        ]),
        1 => rng.pick(&[
            "安排专人陪护，通知家长到校；陪同到{医院}就诊评估。",
            "学院召开研判会议，落实专人关注；家长已到校，共同陪同到{医院}就医。",
        ]),
        2 => rng.pick(&[
            "24小时专人陪护直至家长到校；送{医院}就诊。",
            "启动危机干预程序，安排24小时陪护，家长到校后陪同到{医院}就诊，暂不宜在校学习生活。",
        ]),
        _ => rng.pick(&[
            "启动应急预案；立即送医救治并通知家长；安排24小时看护，做好后续跟进。",
            "启动应急预案，送医救治，家长已到院；学院安排专人值守，做好同寝室同学的心理疏导。",
        ]),
    };
    let mut out = String::with_capacity(200);
    fill(&mut out, t, ctx, rng);
    exact(out)
}

/// Hospital diagnoses with weights and medication notes.
pub(crate) const DIAGNOSES: &[(&str, u32, &[&str])] = &[
    ("抑郁发作（中度）", 22, MED_DEPRESSION),
    ("抑郁发作（轻度）", 14, MED_DEPRESSION),
    ("抑郁发作（重度）", 5, MED_DEPRESSION),
    ("复发性抑郁障碍", 6, MED_DEPRESSION),
    ("焦虑障碍", 10, MED_DEPRESSION),
    ("混合性焦虑抑郁障碍", 8, MED_DEPRESSION),
    ("惊恐障碍", 3, MED_DEPRESSION),
    ("双相情感障碍", 7, MED_BIPOLAR),
    ("强迫性障碍", 5, MED_OCD),
    ("适应障碍", 8, MED_ADJUSTMENT),
    ("睡眠障碍", 6, MED_SLEEP),
    ("进食障碍（神经性厌食）", 2, MED_EATING),
    ("急性短暂性精神病性障碍", 2, MED_PSYCHOTIC),
];
const MED_DEPRESSION: &[&str] = &[
    "遵医嘱服用舍曲林，每日一次；每两周复诊一次。",
    "遵医嘱服用艾司西酞普兰，辅以心理治疗；每月复诊。",
    "遵医嘱服用氟西汀，每两周复诊。",
    "遵医嘱服用文拉法辛缓释胶囊；每两周复诊，注意观察情绪变化。",
];
const MED_BIPOLAR: &[&str] = &[
    "遵医嘱服用碳酸锂，需定期复查血药浓度；每两周复诊。",
    "遵医嘱服用丙戊酸镁缓释片；每两周复诊。",
];
const MED_OCD: &[&str] = &["遵医嘱服用氟伏沙明，配合认知行为治疗；每月复诊。"];
const MED_ADJUSTMENT: &[&str] = &[
    "暂未用药，建议每周一次心理治疗，一个月后复诊。",
    "短期服用助眠药物，配合心理治疗；两周后复诊。",
];
const MED_SLEEP: &[&str] = &["遵医嘱短期服用右佐匹克隆，配合睡眠卫生指导；两周后复诊。"];
const MED_EATING: &[&str] = &["精神科与营养科联合治疗，每周复诊，家长陪同。"];
const MED_PSYCHOTIC: &[&str] = &["遵医嘱服用奥氮平；家长陪同，每两周复诊。"];

/// Why a student was referred.
pub(crate) fn referral_reason(after_crisis: bool, rng: &mut Rng) -> String {
    let t: &str = if after_crisis {
        rng.pick(&[
            "危机评估后，为明确诊断和治疗转介至专科医院。",
            "危机事件处置后由家长陪同转介就医。",
        ])
    } else {
        rng.pick(&[
            "该生情绪持续低落，心理普查结果异常，经心理中心评估建议到医院进一步诊治。",
            "该生自述长期失眠、焦虑，经约谈和心理中心评估，建议就医。",
            "心理咨询中发现症状较重，超出学校心理咨询范围，转介医院。",
        ])
    };
    t.to_string()
}

/// The assessment and notes of a leave review: `psych` when the leave is for psychological reasons.
pub(crate) fn leave_texts(psych: bool, ctx: &Ctx<'_>, rng: &mut Rng) -> (String, String) {
    let a: &str = if psych {
        rng.pick(&[
            "经医院诊断和学校评估，该生目前难以坚持正常学习，建议休学治疗。",
            "该生因{诊断}需系统治疗，经家长申请、学院审核，同意休学一年。",
        ])
    } else {
        rng.pick(&[
            "该生因身体原因需长期治疗，提交医院证明，同意休学一年。",
            "该生因家庭原因申请休学，经学院审核同意。",
        ])
    };
    let n: &str = rng.pick(&[
        "休学期间由家长负责监护，辅导员每月与家长联系一次。",
        "已办理休学手续，告知复学需提供医院证明并通过复学评估。",
        "已与家长签署休学期间安全责任告知书。",
    ]);
    let mut assessment = String::new();
    fill(&mut assessment, a, ctx, rng);
    (assessment, n.to_string())
}

/// The assessment and notes of a return review.
pub(crate) fn return_texts(rng: &mut Rng) -> (String, String) {
    let a = rng.pick(&[
        "经复学评估，该生情绪稳定，社会功能基本恢复，具备复学条件。",
        "医院出具病情稳定证明，心理中心评估通过，同意复学。",
    ]);
    let n = rng.pick(&[
        "复学后列入重点关注，继续服药并按期复诊，辅导员每半月联系学生和家长。",
        "已安排其编入相应年级班级，请班级心理委员多加关注。",
    ]);
    (a.to_string(), n.to_string())
}

/// Who organises the response at a crisis level in the demo: the organiser of seed 002's protocol
/// (preset 002, 第十二条（三）), read once from the policy data.
pub fn crisis_organiser(level: crate::model::CrisisLevel) -> &'static str {
    static ORGANISERS: std::sync::OnceLock<Vec<(crate::model::CrisisLevel, String)>> =
        std::sync::OnceLock::new();
    ORGANISERS
        .get_or_init(|| {
            crate::rules::Policy::preset("002")
                .ok()
                .and_then(|p| p.crisis)
                .map(|c| {
                    c.levels
                        .into_iter()
                        .map(|l| (l.level, l.organiser))
                        .collect()
                })
                .unwrap_or_default()
        })
        .iter()
        .find(|(l, _)| *l == level)
        .map_or("", |(_, o)| o.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx<'static> {
        Ctx {
            courses: &["数据结构"],
            major: "软件工程",
            home: "湖北省黄冈市",
            graduate: false,
            holiday: "寒假",
            parent: "母亲",
            result: "轻度异常",
            hospital: "市精神卫生中心",
            diagnosis: "焦虑障碍",
            hardship: false,
        }
    }

    #[test]
    fn every_slot_is_filled() {
        let mut rng = Rng::derive(3, 4, 5);
        let mut c = ctx();
        for i in 0..400 {
            c.graduate = i % 3 == 0;
            let texts = [
                freshman(&c, &mut rng),
                key_time(KeyTimeKind::Start, &c, &mut rng),
                key_time(KeyTimeKind::PreHoliday, &c, &mut rng),
                key_time(KeyTimeKind::AfterGrades, &c, &mut rng),
                special(SpecialKind::SingleParent, &c, &mut rng),
                special(SpecialKind::Grandparents, &c, &mut rng),
                special(SpecialKind::Disability, &c, &mut rng),
                special(SpecialKind::Veteran, &c, &mut rng),
                special(SpecialKind::Minority, &c, &mut rng),
                special(SpecialKind::Concern, &c, &mut rng),
                special(SpecialKind::Diagnosed, &c, &mut rng),
                requested(&c, &mut rng),
                reward_discipline(&c, &mut rng),
                academic(&c, &mut rng),
                relationship(&c, &mut rng),
                hardship(&c, &mut rng),
                other(&c, &mut rng),
                screening_follow_up(&c, &mut rng),
                contact(ContactKind::Routine, &c, &mut rng),
                contact(ContactKind::Academic, &c, &mut rng),
                contact(ContactKind::Concern, &c, &mut rng),
                contact(ContactKind::Diagnosed, &c, &mut rng),
                contact(ContactKind::Crisis, &c, &mut rng),
                contact(ContactKind::Hardship, &c, &mut rng),
                contact(ContactKind::Leave, &c, &mut rng),
                concern_reason(&[i % 8, (i + 3) % 8], &c, &mut rng),
                crisis_rationale(i % 4, &c, &mut rng),
                crisis_actions(i % 4, &c, &mut rng),
                screening_notes(ScreeningResult::Moderate, &c, &mut rng),
                leave_texts(i % 2 == 0, &c, &mut rng).0,
            ];
            for t in texts {
                assert!(!t.is_empty());
                assert!(!t.contains('{') && !t.contains('}'), "{t}");
                let sentences = t.matches('。').count();
                assert!((1..=5).contains(&sentences), "{t}");
            }
        }
    }
}
