/**
 * A realistic synthetic dataset for scale tests: the 178 national high-tech zones (real host
 * cities by province, plausible approval years), ≥ 30 indicators of the real catalogue, annual
 * periods 2010–2024, values that grow plausibly (a zone-specific trend, a common shock per
 * year, noise) and the `national-htz` / `china` aggregates. Pure and deterministic: the same
 * seed gives the same records, and a zone's series do not depend on which other zones are
 * generated (each zone draws from its own seeded stream).
 *
 * Every record's source says it is synthetic, so it can never be mistaken for a real figure.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { CHINA, NATIONAL_HTZ, REGIONS, type Zone } from './model.ts';
import type { ParsedRecord } from './ingest-parse.ts';

export const SYNTHETIC_FIRST_YEAR = 2010;
export const SYNTHETIC_LAST_YEAR = 2024;

/** The source text of every synthetic record. */
export function syntheticSource(seed: number): string {
  return `合成数据（seed=${seed}），仅用于规模测试`;
}

type Region = (typeof REGIONS)[number];

const PROVINCE_REGION: Record<string, Region> = {
  北京市: '东部',
  天津市: '东部',
  河北省: '东部',
  上海市: '东部',
  江苏省: '东部',
  浙江省: '东部',
  福建省: '东部',
  山东省: '东部',
  广东省: '东部',
  海南省: '东部',
  山西省: '中部',
  安徽省: '中部',
  江西省: '中部',
  河南省: '中部',
  湖北省: '中部',
  湖南省: '中部',
  内蒙古自治区: '西部',
  广西壮族自治区: '西部',
  重庆市: '西部',
  四川省: '西部',
  贵州省: '西部',
  云南省: '西部',
  西藏自治区: '西部',
  陕西省: '西部',
  甘肃省: '西部',
  青海省: '西部',
  宁夏回族自治区: '西部',
  新疆维吾尔自治区: '西部',
  辽宁省: '东北',
  吉林省: '东北',
  黑龙江省: '东北',
};

const PROVINCE_ALLIANCES: Record<string, string[]> = {
  北京市: ['京津冀'],
  天津市: ['京津冀'],
  河北省: ['京津冀'],
  上海市: ['长三角'],
  江苏省: ['长三角'],
  浙江省: ['长三角'],
  安徽省: ['长三角'],
  辽宁省: ['东北'],
  吉林省: ['东北'],
  黑龙江省: ['东北'],
  重庆市: ['成渝'],
  四川省: ['成渝'],
  湖北省: ['长江中游'],
  湖南省: ['长江中游'],
  江西省: ['长江中游'],
};

const GREATER_BAY_CITIES = new Set([
  '广州市',
  '深圳市',
  '珠海市',
  '佛山市',
  '惠州市',
  '东莞市',
  '中山市',
  '江门市',
  '肇庆市',
]);

/**
 * [short-name stem, id, province, prefecture city (default: stem + 市), year approved,
 *  full name, short name]. The stems are the real host cities of the national zones.
 */
type ZoneRow = [string, string, string, string | null, number, string?, string?];

const ZONE_ROWS: ZoneRow[] = [
  ['中关村', 'zhongguancun', '北京市', '北京市', 1988, '中关村科技园区', '中关村'],
  ['天津滨海', 'tianjin-binhai', '天津市', '天津市', 1991],
  ['石家庄', 'shijiazhuang', '河北省', null, 1991],
  ['保定', 'baoding', '河北省', null, 1992],
  ['唐山', 'tangshan', '河北省', null, 2010],
  ['燕郊', 'yanjiao', '河北省', '廊坊市', 2010],
  ['承德', 'chengde', '河北省', null, 2012],
  ['邯郸', 'handan', '河北省', null, 2018],
  ['太原', 'taiyuan', '山西省', null, 1992],
  ['长治', 'changzhi', '山西省', null, 2015],
  ['包头稀土', 'baotou', '内蒙古自治区', '包头市', 1992],
  ['呼和浩特金山', 'hohhot-jinshan', '内蒙古自治区', '呼和浩特市', 2013],
  ['鄂尔多斯', 'ordos', '内蒙古自治区', null, 2017],
  ['沈阳', 'shenyang', '辽宁省', null, 1991],
  ['大连', 'dalian', '辽宁省', null, 1991],
  ['鞍山', 'anshan', '辽宁省', null, 1992],
  ['营口', 'yingkou', '辽宁省', null, 2010],
  ['辽阳', 'liaoyang', '辽宁省', null, 2010],
  ['本溪', 'benxi', '辽宁省', null, 2012],
  ['阜新', 'fuxin', '辽宁省', null, 2013],
  ['锦州', 'jinzhou', '辽宁省', null, 2015],
  ['葫芦岛', 'huludao', '辽宁省', null, 2015],
  ['长春', 'changchun', '吉林省', null, 1991],
  ['吉林', 'jilin', '吉林省', null, 1992],
  ['延吉', 'yanji', '吉林省', '延边朝鲜族自治州', 2010],
  ['长春净月', 'changchun-jingyue', '吉林省', '长春市', 2012],
  ['通化医药', 'tonghua', '吉林省', '通化市', 2013],
  ['哈尔滨', 'harbin', '黑龙江省', null, 1991],
  ['大庆', 'daqing', '黑龙江省', null, 1992],
  ['齐齐哈尔', 'qiqihar', '黑龙江省', null, 2010],
  ['上海张江', 'shanghai-zhangjiang', '上海市', '上海市', 1991],
  ['上海紫竹', 'shanghai-zizhu', '上海市', '上海市', 2011],
  ['南京', 'nanjing', '江苏省', null, 1991],
  ['无锡', 'wuxi', '江苏省', null, 1992],
  ['苏州', 'suzhou', '江苏省', null, 1992],
  ['常州', 'changzhou', '江苏省', null, 1992],
  ['苏州工业园区', 'suzhou-sip', '江苏省', '苏州市', 2006, '苏州工业园区', '苏州工业园区'],
  ['昆山', 'kunshan', '江苏省', '苏州市', 2010],
  ['泰州', 'taizhou-js', '江苏省', null, 2009],
  ['江阴', 'jiangyin', '江苏省', '无锡市', 2011],
  ['徐州', 'xuzhou', '江苏省', null, 2012],
  ['武进', 'wujin', '江苏省', '常州市', 2012],
  ['南通', 'nantong', '江苏省', null, 2013],
  ['镇江', 'zhenjiang', '江苏省', null, 2014],
  ['连云港', 'lianyungang', '江苏省', null, 2015],
  ['盐城', 'yancheng', '江苏省', null, 2015],
  ['扬州', 'yangzhou', '江苏省', null, 2015],
  ['常熟', 'changshu', '江苏省', '苏州市', 2015],
  ['淮安', 'huaian', '江苏省', null, 2017],
  ['宿迁', 'suqian', '江苏省', null, 2017],
  ['杭州', 'hangzhou', '浙江省', null, 1991],
  ['宁波', 'ningbo', '浙江省', null, 2007],
  ['绍兴', 'shaoxing', '浙江省', null, 2010],
  ['温州', 'wenzhou', '浙江省', null, 2012],
  ['衢州', 'quzhou', '浙江省', null, 2013],
  ['萧山临江', 'xiaoshan-linjiang', '浙江省', '杭州市', 2015],
  ['嘉兴', 'jiaxing', '浙江省', null, 2015],
  ['湖州莫干山', 'huzhou-moganshan', '浙江省', '湖州市', 2015],
  ['合肥', 'hefei', '安徽省', null, 1991],
  ['芜湖', 'wuhu', '安徽省', null, 2010],
  ['蚌埠', 'bengbu', '安徽省', null, 2010],
  ['马鞍山慈湖', 'maanshan-cihu', '安徽省', '马鞍山市', 2012],
  ['铜陵狮子山', 'tongling', '安徽省', '铜陵市', 2017],
  ['淮南', 'huainan', '安徽省', null, 2018],
  ['安庆', 'anqing', '安徽省', null, 2018],
  ['滁州', 'chuzhou', '安徽省', null, 2018],
  ['福州', 'fuzhou', '福建省', null, 1991],
  [
    '厦门火炬',
    'xiamen-torch',
    '福建省',
    '厦门市',
    1991,
    '厦门火炬高技术产业开发区',
    '厦门火炬高新区',
  ],
  ['泉州', 'quanzhou', '福建省', null, 2010],
  ['莆田', 'putian', '福建省', null, 2012],
  ['漳州', 'zhangzhou', '福建省', null, 2013],
  ['三明', 'sanming', '福建省', null, 2015],
  ['龙岩', 'longyan', '福建省', null, 2015],
  ['南昌', 'nanchang', '江西省', null, 1992],
  ['新余', 'xinyu', '江西省', null, 2010],
  ['景德镇', 'jingdezhen', '江西省', null, 2010],
  ['鹰潭', 'yingtan', '江西省', null, 2012],
  ['抚州', 'fuzhou-jx', '江西省', null, 2015],
  ['吉安', 'jian', '江西省', null, 2015],
  ['赣州', 'ganzhou', '江西省', null, 2015],
  ['共青城', 'gongqingcheng', '江西省', '九江市', 2018],
  ['宜春丰城', 'yichun-fengcheng', '江西省', '宜春市', 2018],
  ['济南', 'jinan', '山东省', null, 1991],
  ['青岛', 'qingdao', '山东省', null, 1992],
  ['淄博', 'zibo', '山东省', null, 1992],
  ['潍坊', 'weifang', '山东省', null, 1992],
  ['威海火炬', 'weihai-torch', '山东省', '威海市', 1991],
  ['济宁', 'jining', '山东省', null, 2010],
  ['烟台', 'yantai', '山东省', null, 2010],
  ['临沂', 'linyi', '山东省', null, 2011],
  ['泰安', 'taian', '山东省', null, 2012],
  ['枣庄', 'zaozhuang', '山东省', null, 2015],
  ['莱芜', 'laiwu', '山东省', '济南市', 2015],
  ['德州', 'dezhou', '山东省', null, 2015],
  ['黄河三角洲', 'yellow-river-delta', '山东省', '东营市', 2015],
  ['郑州', 'zhengzhou', '河南省', null, 1991],
  ['洛阳', 'luoyang', '河南省', null, 1992],
  ['安阳', 'anyang', '河南省', null, 2010],
  ['南阳', 'nanyang', '河南省', null, 2010],
  ['新乡', 'xinxiang', '河南省', null, 2012],
  ['平顶山', 'pingdingshan', '河南省', null, 2012],
  ['焦作', 'jiaozuo', '河南省', null, 2015],
  ['许昌', 'xuchang', '河南省', null, 2018],
  ['信阳', 'xinyang', '河南省', null, 2018],
  ['武汉东湖', 'wuhan-donghu', '湖北省', '武汉市', 1991, '武汉东湖新技术开发区', '东湖高新区'],
  ['襄阳', 'xiangyang', '湖北省', null, 1992],
  ['宜昌', 'yichang', '湖北省', null, 2010],
  ['孝感', 'xiaogan', '湖北省', null, 2012],
  ['荆门', 'jingmen', '湖北省', null, 2013],
  ['随州', 'suizhou', '湖北省', null, 2015],
  ['仙桃', 'xiantao', '湖北省', null, 2015],
  ['咸宁', 'xianning', '湖北省', null, 2017],
  ['黄冈', 'huanggang', '湖北省', null, 2017],
  ['荆州', 'jingzhou', '湖北省', null, 2018],
  ['黄石大冶湖', 'huangshi-dayehu', '湖北省', '黄石市', 2018],
  ['潜江', 'qianjiang', '湖北省', null, 2018],
  ['长沙', 'changsha', '湖南省', null, 1991],
  ['株洲', 'zhuzhou', '湖南省', null, 1992],
  ['湘潭', 'xiangtan', '湖南省', null, 2009],
  ['益阳', 'yiyang', '湖南省', null, 2011],
  ['衡阳', 'hengyang', '湖南省', null, 2012],
  ['郴州', 'chenzhou', '湖南省', null, 2015],
  ['常德', 'changde', '湖南省', null, 2017],
  ['怀化', 'huaihua', '湖南省', null, 2018],
  ['宁乡', 'ningxiang', '湖南省', '长沙市', 2018],
  ['广州', 'guangzhou', '广东省', null, 1991],
  ['深圳', 'shenzhen', '广东省', null, 1991],
  ['珠海', 'zhuhai', '广东省', null, 1992],
  ['惠州仲恺', 'huizhou-zhongkai', '广东省', '惠州市', 1992],
  ['中山火炬', 'zhongshan-torch', '广东省', '中山市', 1991],
  ['佛山', 'foshan', '广东省', null, 1992],
  ['东莞松山湖', 'dongguan-songshanhu', '广东省', '东莞市', 2010],
  ['肇庆', 'zhaoqing', '广东省', null, 2010],
  ['江门', 'jiangmen', '广东省', null, 2010],
  ['河源', 'heyuan', '广东省', null, 2015],
  ['清远', 'qingyuan', '广东省', null, 2015],
  ['汕头', 'shantou', '广东省', null, 2017],
  ['湛江', 'zhanjiang', '广东省', null, 2018],
  ['茂名', 'maoming', '广东省', null, 2018],
  ['南宁', 'nanning', '广西壮族自治区', null, 1992],
  ['桂林', 'guilin', '广西壮族自治区', null, 1991],
  ['柳州', 'liuzhou', '广西壮族自治区', null, 2010],
  ['北海', 'beihai', '广西壮族自治区', null, 2015],
  ['海口', 'haikou', '海南省', null, 1991],
  ['重庆', 'chongqing', '重庆市', '重庆市', 1991],
  ['璧山', 'bishan', '重庆市', '重庆市', 2015],
  ['永川', 'yongchuan', '重庆市', '重庆市', 2018],
  ['荣昌', 'rongchang', '重庆市', '重庆市', 2018],
  ['成都', 'chengdu', '四川省', null, 1991],
  ['绵阳', 'mianyang', '四川省', null, 1992],
  ['自贡', 'zigong', '四川省', null, 2011],
  ['乐山', 'leshan', '四川省', null, 2012],
  ['泸州', 'luzhou', '四川省', null, 2015],
  ['攀枝花', 'panzhihua', '四川省', null, 2015],
  ['德阳', 'deyang', '四川省', null, 2015],
  ['内江', 'neijiang', '四川省', null, 2017],
  ['贵阳', 'guiyang', '贵州省', null, 1992],
  ['安顺', 'anshun', '贵州省', null, 2017],
  ['昆明', 'kunming', '云南省', null, 1992],
  ['玉溪', 'yuxi', '云南省', null, 2012],
  ['楚雄', 'chuxiong', '云南省', '楚雄彝族自治州', 2018],
  ['拉萨', 'lhasa', '西藏自治区', null, 2013],
  ['西安', 'xian', '陕西省', null, 1991],
  ['宝鸡', 'baoji', '陕西省', null, 1992],
  ['杨凌', 'yangling', '陕西省', '咸阳市', 1997, '杨凌农业高新技术产业示范区', '杨凌示范区'],
  ['渭南', 'weinan', '陕西省', null, 2010],
  ['榆林', 'yulin', '陕西省', null, 2012],
  ['咸阳', 'xianyang', '陕西省', null, 2012],
  ['安康', 'ankang', '陕西省', null, 2015],
  ['兰州', 'lanzhou', '甘肃省', null, 1991],
  ['白银', 'baiyin', '甘肃省', null, 2010],
  ['青海', 'qinghai', '青海省', '西宁市', 2010],
  ['银川', 'yinchuan', '宁夏回族自治区', null, 2010],
  ['石嘴山', 'shizuishan', '宁夏回族自治区', null, 2013],
  ['乌鲁木齐', 'urumqi', '新疆维吾尔自治区', null, 1992],
  ['昌吉', 'changji', '新疆维吾尔自治区', '昌吉回族自治州', 2010],
  ['石河子', 'shihezi', '新疆维吾尔自治区', null, 2013],
  ['克拉玛依', 'karamay', '新疆维吾尔自治区', null, 2022],
];

/** Zones that lead their region by a wide margin (the real heavyweights). */
const HEAVYWEIGHTS = new Set([
  'zhongguancun',
  'shanghai-zhangjiang',
  'shenzhen',
  'wuhan-donghu',
  'guangzhou',
  'xian',
  'chengdu',
  'hangzhou',
  'suzhou-sip',
  'hefei',
  'nanjing',
  'changsha',
  'jinan',
  'qingdao',
  'chongqing',
]);

const REGION_SCALE: Record<Region, number> = { 东部: 1.35, 中部: 0.95, 西部: 0.8, 东北: 0.7 };

/** The 178 synthetic national zones (plus nothing else; aggregates come from {@link syntheticAggregates}). */
export function syntheticZones(): Zone[] {
  return ZONE_ROWS.map(([stem, id, province, city, year, name, shortName]) => {
    const hostCity = city ?? `${stem}市`;
    return {
      id,
      name: name ?? `${stem}高新技术产业开发区`,
      shortName: shortName ?? `${stem}高新区`,
      province,
      city: hostCity,
      region: PROVINCE_REGION[province] ?? null,
      level: 'national' as const,
      alliances: [
        ...(PROVINCE_ALLIANCES[province] ?? []),
        ...(GREATER_BAY_CITIES.has(hostCity) ? ['粤港澳大湾区'] : []),
      ],
      yearApproved: year,
      aliases: [],
    };
  });
}

/** The aggregates every report needs: all national zones and the whole country. */
export function syntheticAggregates(): Zone[] {
  const aggregate = (id: string, name: string, yearApproved: number | null): Zone => ({
    id,
    name,
    shortName: name,
    province: null,
    city: null,
    region: null,
    level: 'aggregate',
    alliances: [],
    yearApproved,
    aliases: [],
  });
  return [aggregate(NATIONAL_HTZ, '国家高新区', 1988), aggregate(CHINA, '全国', null)];
}

/**
 * `count` zones spread evenly over the list (so a small test set still spans every region);
 * all 178 when `count` is 178 or more.
 */
export function pickZones(zones: Zone[], count: number): Zone[] {
  if (count >= zones.length) return zones;
  if (count < 1) return [];
  const picked: Zone[] = [];
  for (let i = 0; i < count; i++) picked.push(zones[Math.floor((i * zones.length) / count)]!);
  return picked;
}

/** How an indicator behaves over time. */
interface IndicatorModel {
  /** `level`: a flow or stock that compounds; `rate`: a percentage that drifts. */
  kind: 'level' | 'rate';
  /** level: the 2010 value of an average zone, in the base unit; rate: the 2010 mean in %. */
  base: number;
  /** level: multiplier of the zone's growth rate; rate: drift per year in points. */
  growth: number;
  /** Year-to-year noise (level: relative; rate: points). */
  noise: number;
  /** The first year the statistic exists (a programme that started later). */
  since?: number;
  /** Rounding: digits after the decimal point in the base unit. */
  decimals: number;
  /** Share of the national total (全国) held by all national zones, 2010 → 2024, in %. */
  nationalShare?: [number, number];
}

/** The indicators of the synthetic dataset (codes of `data/indicators.json`): 37 of them. */
export const SYNTHETIC_INDICATORS: Record<string, IndicatorModel> = {
  gdp: {
    kind: 'level',
    base: 300,
    growth: 1,
    noise: 0.02,
    decimals: 1,
    nationalShare: [9.6, 14.3],
  },
  'operating-revenue': { kind: 'level', base: 1000, growth: 1.05, noise: 0.03, decimals: 1 },
  'budget-revenue': { kind: 'level', base: 18, growth: 0.8, noise: 0.05, decimals: 1 },
  'tax-revenue': { kind: 'level', base: 30, growth: 0.85, noise: 0.05, decimals: 1 },
  'fixed-asset-investment': { kind: 'level', base: 110, growth: 0.7, noise: 0.08, decimals: 1 },
  'industrial-fixed-asset-investment': {
    kind: 'level',
    base: 60,
    growth: 0.7,
    noise: 0.09,
    decimals: 1,
  },
  'industrial-value-added': {
    kind: 'level',
    base: 140,
    growth: 0.9,
    noise: 0.03,
    decimals: 1,
    nationalShare: [8.5, 24.1],
  },
  'industrial-output-above-scale': {
    kind: 'level',
    base: 560,
    growth: 0.9,
    noise: 0.03,
    decimals: 1,
  },
  'industrial-profit': { kind: 'level', base: 36, growth: 0.8, noise: 0.1, decimals: 1 },
  'high-tech-industry-value-added': {
    kind: 'level',
    base: 45,
    growth: 1.2,
    noise: 0.05,
    decimals: 1,
  },
  'high-tech-mfg-share': { kind: 'rate', base: 28, growth: 0.9, noise: 1.2, decimals: 1 },
  'trade-total': {
    kind: 'level',
    base: 170,
    growth: 0.6,
    noise: 0.08,
    decimals: 1,
    nationalShare: [11, 18.6],
  },
  exports: {
    kind: 'level',
    base: 95,
    growth: 0.65,
    noise: 0.08,
    decimals: 1,
    nationalShare: [14, 22.4],
  },
  fdi: { kind: 'level', base: 9, growth: 0.4, noise: 0.15, decimals: 1 },
  'overseas-rd-institutions': { kind: 'level', base: 4, growth: 1.1, noise: 0.1, decimals: 0 },
  'enterprise-rd-expenditure': {
    kind: 'level',
    base: 9,
    growth: 1.3,
    noise: 0.04,
    decimals: 1,
    nationalShare: [28, 38.2],
  },
  'rd-expenditure': { kind: 'level', base: 11, growth: 1.3, noise: 0.04, decimals: 1 },
  'rd-intensity': { kind: 'rate', base: 3.4, growth: 0.12, noise: 0.15, decimals: 2 },
  'invention-grants': { kind: 'level', base: 210, growth: 1.6, noise: 0.06, decimals: 0 },
  'tech-contract-turnover': { kind: 'level', base: 14, growth: 1.5, noise: 0.1, decimals: 1 },
  'rd-institutions': { kind: 'level', base: 45, growth: 0.9, noise: 0.05, decimals: 0 },
  'maker-spaces': { kind: 'level', base: 6, growth: 1.2, noise: 0.08, decimals: 0, since: 2015 },
  'innovation-platforms': { kind: 'level', base: 38, growth: 1, noise: 0.06, decimals: 0 },
  'high-tech-enterprises': {
    kind: 'level',
    base: 115,
    growth: 1.5,
    noise: 0.04,
    decimals: 0,
    nationalShare: [35, 33],
  },
  'little-giants': {
    kind: 'level',
    base: 3,
    growth: 2,
    noise: 0.1,
    decimals: 0,
    since: 2019,
  },
  'tech-smes': { kind: 'level', base: 150, growth: 1.6, noise: 0.06, decimals: 0, since: 2017 },
  'listed-companies': { kind: 'level', base: 6, growth: 0.9, noise: 0.06, decimals: 0 },
  'new-registered-enterprises': { kind: 'level', base: 2400, growth: 0.8, noise: 0.1, decimals: 0 },
  gazelles: { kind: 'level', base: 25, growth: 1.2, noise: 0.12, decimals: 0 },
  employees: { kind: 'level', base: 8.5, growth: 0.45, noise: 0.02, decimals: 1 },
  'rd-personnel': { kind: 'level', base: 1.1, growth: 0.9, noise: 0.03, decimals: 1 },
  'bachelor-share': { kind: 'rate', base: 27, growth: 1.1, noise: 0.8, decimals: 1 },
  returnees: { kind: 'level', base: 0.06, growth: 1.3, noise: 0.1, decimals: 2 },
  'digital-core-revenue': {
    kind: 'level',
    base: 60,
    growth: 1.4,
    noise: 0.06,
    decimals: 1,
    since: 2018,
  },
  'software-revenue': { kind: 'level', base: 60, growth: 1.4, noise: 0.06, decimals: 1 },
  'energy-intensity-decline': { kind: 'rate', base: 3.5, growth: 0.05, noise: 1.2, decimals: 1 },
  'green-factories': { kind: 'level', base: 1, growth: 1, noise: 0.2, decimals: 0, since: 2017 },
};

/** A year's shock common to every zone (the 2015 slowdown, the 2020 pandemic, the rebound). */
const YEAR_SHOCK: Record<number, number> = {
  2012: -0.02,
  2015: -0.03,
  2016: -0.01,
  2020: -0.07,
  2021: 0.04,
  2022: -0.02,
};

export interface SyntheticOptions {
  seed: number;
  /** The zones to generate (from {@link syntheticZones}, e.g. through {@link pickZones}). */
  zones: Zone[];
  firstYear?: number;
  lastYear?: number;
}

/** 32-bit FNV-1a of a string, mixed with the seed: one independent stream per zone. */
function streamSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h | 0;
}

function randomStream(seed: number, key: string) {
  const rng = xoroshiro128plus(streamSeed(seed, key));
  const uniform = () => uniformFloat64(rng);
  // Box–Muller: a standard normal draw.
  const normal = () => {
    const u = Math.max(uniform(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

const round = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

/**
 * The synthetic records: every zone × indicator × year (from the indicator's first year), plus
 * `national-htz` (sum of the zones, or the GDP-weighted mean for a rate) and `china` (from the
 * national zones' share, for the indicators that have one). Values are in base units and
 * rounded to the indicator's display precision; `yoy` is the growth over the year before.
 */
export function syntheticRecords(opts: SyntheticOptions): ParsedRecord[] {
  const first = opts.firstYear ?? SYNTHETIC_FIRST_YEAR;
  const last = opts.lastYear ?? SYNTHETIC_LAST_YEAR;
  const source = syntheticSource(opts.seed);
  const codes = Object.keys(SYNTHETIC_INDICATORS);
  const out: ParsedRecord[] = [];
  /** indicator → year → [sum of values, sum of GDP weights (rates)]. */
  const totals = new Map<string, Map<number, { sum: number; weight: number }>>();
  const addTotal = (code: string, year: number, value: number, weight: number) => {
    const byYear = totals.get(code) ?? new Map<number, { sum: number; weight: number }>();
    totals.set(code, byYear);
    const t = byYear.get(year) ?? { sum: 0, weight: 0 };
    byYear.set(year, t);
    t.sum += value;
    t.weight += weight;
  };

  for (const zone of opts.zones) {
    const rnd = randomStream(opts.seed, zone.id);
    const regionScale = zone.region ? REGION_SCALE[zone.region] : 1;
    const age = Math.max(0, 2010 - (zone.yearApproved ?? 2010));
    // Divided by the mean of the other factors, so `base` is the average zone's 2010 value.
    const size =
      (Math.exp(0.6 * rnd.normal()) / 2.6) *
      regionScale *
      (1 + age / 25) *
      (HEAVYWEIGHTS.has(zone.id) ? 6 : 1);
    const trend = Math.min(0.2, Math.max(0.03, 0.1 + 0.025 * rnd.normal()));
    const gdpByYear = new Map<number, number>();
    for (const code of codes) {
      const model = SYNTHETIC_INDICATORS[code]!;
      const own = Math.exp(0.3 * rnd.normal());
      let level = model.base * size * own;
      let rate = model.base * (0.8 + 0.4 * rnd.uniform()) * (HEAVYWEIGHTS.has(zone.id) ? 1.3 : 1);
      let previous: number | undefined;
      for (let year = SYNTHETIC_FIRST_YEAR; year <= last; year++) {
        // Draw every year, even outside the range, so a zone's values do not depend on it.
        const shock = YEAR_SHOCK[year] ?? 0;
        const noise = rnd.normal();
        if (year > SYNTHETIC_FIRST_YEAR) {
          level *= Math.max(0.6, 1 + trend * model.growth + shock + model.noise * noise);
          rate += model.growth + model.noise * noise;
        }
        if (year < first || year < (model.since ?? 0)) continue;
        const raw = model.kind === 'level' ? level : Math.min(95, Math.max(0.1, rate));
        const value = round(raw, model.decimals);
        if (code === 'gdp') gdpByYear.set(year, value);
        const rec: ParsedRecord = {
          zone: zone.id,
          indicator: code,
          period: String(year),
          value,
          source,
        };
        if (previous !== undefined && previous > 0 && model.kind === 'level')
          rec.yoy = round((value / previous - 1) * 100, 1);
        previous = value;
        out.push(rec);
        const weight = model.kind === 'rate' ? (gdpByYear.get(year) ?? 1) : 0;
        addTotal(code, year, model.kind === 'rate' ? value * weight : value, weight);
      }
    }
  }

  for (const code of codes) {
    const model = SYNTHETIC_INDICATORS[code]!;
    const byYear = totals.get(code);
    if (!byYear) continue;
    let previous: number | undefined;
    for (let year = first; year <= last; year++) {
      const t = byYear.get(year);
      if (!t) continue;
      const value = round(model.kind === 'rate' ? t.sum / (t.weight || 1) : t.sum, model.decimals);
      const rec: ParsedRecord = {
        zone: NATIONAL_HTZ,
        indicator: code,
        period: String(year),
        value,
        source,
      };
      if (previous !== undefined && previous > 0 && model.kind === 'level')
        rec.yoy = round((value / previous - 1) * 100, 1);
      previous = value;
      if (model.nationalShare) {
        const [from, to] = model.nationalShare;
        const share = round(
          from +
            ((to - from) * (year - SYNTHETIC_FIRST_YEAR)) /
              (SYNTHETIC_LAST_YEAR - SYNTHETIC_FIRST_YEAR),
          1,
        );
        rec.share = share;
        out.push({
          zone: CHINA,
          indicator: code,
          period: String(year),
          value: round((value * 100) / share, model.decimals),
          source,
        });
      }
      out.push(rec);
    }
  }
  return out;
}

/** Units written in the CSV: the base unit of each indicator (so ingest converts nothing). */
export function syntheticCsv(records: ParsedRecord[], unitOf: (code: string) => string): string {
  const lines = ['zone,indicator,period,value,unit,yoy,share,source'];
  for (const r of records) {
    lines.push(
      [
        r.zone,
        r.indicator,
        r.period,
        String(r.value),
        unitOf(r.indicator),
        r.yoy === undefined ? '' : String(r.yoy),
        r.share === undefined ? '' : String(r.share),
        r.source,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
