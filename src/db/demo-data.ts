/**
 * Demo data for the "Dân vận khéo" subgraph: the first half of 2023 in Hòa Bình city.
 *
 * Everything here comes from one source, the news report
 * `data/sources/dan-van-kheo-hoa-binh-2023-h1.txt` (26/06/2023). Every record carries a
 * `source` field: a verbatim excerpt of that report (an exact substring, modulo runs of
 * whitespace) that justifies the record. `test/unit/demo-data.part.ts` enforces this.
 *
 * Rules followed:
 * - Nothing is invented. The report names only some of the 179 models it counts; only those
 *   are registered here. The reported figures live in DEMO_REPORTS, so the API can show
 *   "reported" against "registered" side by side. No model is added to make numbers meet.
 * - Where the report speaks of a collective ("Công an các phường, xã", "Hội Phụ nữ ... các
 *   cấp", ...) it is modelled as ONE collective organisation with that name; no individual
 *   ward or commune is invented beyond phường Kỳ Sơn and xã Mông Hóa, which the report names.
 * - Where the report names an organisation without a level ("Đoàn thanh niên", "Mặt trận Tổ
 *   quốc", "Công an"), the city-level organisation is used: it stands for that organisation's
 *   system in the city.
 * - Where the report names several organisations for a group of models, the first one named is
 *   the lead and the others are partners. Where it names none, the lead is the city's
 *   people's committee ("chính quyền"), as a placeholder; each such group is commented.
 * - Links record only a replication the report states explicitly (one case, see DEMO_LINKS).
 *
 * Keys are stable ASCII slugs; the seeder turns them into deterministic UUIDs.
 * NEVER rename a key once written.
 */

export type DemoOrganisationKind =
  | 'CITY'
  | 'WARD'
  | 'COMMUNE'
  | 'PARTY_COMMITTEE'
  | 'PEOPLES_COMMITTEE'
  | 'FATHERLAND_FRONT'
  | 'MASS_ORGANISATION'
  | 'ASSOCIATION'
  | 'POLICE'
  | 'MILITARY'
  | 'TRADE_UNION'
  | 'OTHER';

export type DemoDomain = 'ECONOMY' | 'CULTURE_SOCIETY' | 'SECURITY_DEFENCE' | 'POLITICAL_SYSTEM';

export interface DemoOrganisation {
  key: string;
  name: string;
  shortName?: string;
  kind: DemoOrganisationKind;
  parentKey?: string;
  source: string;
}

export interface DemoModel {
  key: string;
  name: string;
  domain: DemoDomain;
  leadKey: string;
  partnerKeys?: string[];
  localityKey?: string;
  source: string;
}

/** A replication: `sourceKey` and `targetKey` are model keys (target = the replica). */
export interface DemoLink {
  sourceKey: string;
  targetKey: string;
  note: string;
  source: string;
}

export interface DemoPeriodReport {
  organisationKey: string;
  periodCode: '2023-H1';
  total: number;
  economy: number | null;
  cultureSociety: number | null;
  securityDefence: number | null;
  politicalSystem: number | null;
  newlyReplicated: number | null;
  note: string;
  source: string;
}

export const DEMO_PERIOD = {
  code: '2023-H1',
  label: '6 tháng đầu năm 2023',
  startsOn: '2023-01-01',
  endsOn: '2023-06-30',
  source: 'xây dựng Đảng và hệ thống chính trị 6 tháng đầu năm 2023',
} as const;

// ---------------------------------------------------------------------------------------------
// Shared excerpts (verbatim from the report)
// ---------------------------------------------------------------------------------------------

const SRC_CITY_FIGURES =
  '6 tháng đầu năm, thành phố Hòa Bình có tổng số 179 mô hình “Dân vận khéo” trên các lĩnh vực. ' +
  'Trong đó: Lĩnh vực kinh tế: 51 mô hình; lĩnh vực văn hóa - xã hội: 70 mô hình; ' +
  'lĩnh vực an ninh, quốc phòng: 46 mô hình; lĩnh vực xây dựng hệ thống chính trị: 12 mô hình; ' +
  'có 16 mô hình mới được nhân rộng.';

const SRC_LEADERSHIP = 'Dưới sự lãnh đạo, chỉ đạo của cấp ủy, chính quyền';

const SRC_FRONT_AND_ORGANISATIONS = 'sự phối hợp của Mặt trận Tổ quốc, các đoàn thể chính trị - xã hội, Hội đặc thù từ thành phố đến cơ sở';

const SRC_ECONOMY_FARMING =
  'trên lĩnh vực kinh tế có các mô hình: “Trồng bí xanh”, “Trồng rau sạch”, “Chuyển dịch cơ cấu kinh tế”, ' +
  '“Hỗ trợ vay vốn không lấy lãi”, “Xây dựng quỹ hội cho hội viên vay để sản xuất, phát triển kinh tế không lãi xuất”, ' +
  '“Người cao tuổi phát triển kinh tế”, “Phụ nữ tiết kiệm góp vốn xoay vòng”, “Nuôi Dúi”, “Nuôi Dê”... ' +
  'đã mang lại hiệu quả kinh tế cao';

const SRC_ECONOMY_CRAFTS =
  'trong sản xuất tiểu thủ công nghiệp, dịch vụ, thủy sản như mô hình: “Dịch vụ chổi chít”, ' +
  '“Sản xuất lắp ghép khung nhôm cửa kính”, “Hợp tác xã vận tải du lịch - dịch vụ”, “Nuôi cá lồng”, ' +
  '“Hợp tác xã Dược liệu thuốc nam dân tộc Dao”... giúp nhiều hộ vươn lên thoát nghèo';

const SRC_LEARNING =
  'Trên lĩnh vực văn hóa – xã hội, có các mô hình tiêu biểu như: ' +
  'Mô hình “Khuyến học, khuyến tài, xây dựng xã hội học tập ”, “Dòng họ học tập”, “Gia đình học tập”, ' +
  '“Đơn vị học tập”, “Trang vở vượt khó”, “Nuôi lợn nhựa giúp bạn nghèo”, “Học bổng 1.000 đồng”, ' +
  '“Đỡ đầu học sinh có hoàn cảnh khó khăn ”, “Mẹ đỡ đầu”.... ' +
  'của Đoàn thanh niên, Hội Cựu chiến binh, Hội Chữ thập đỏ và Hội Khuyến học';

const SRC_URBAN =
  'Mô hình quản lý đô thị, bảo vệ môi trường tiếp tục được quan tâm thực hiện như mô hình: ' +
  '“Tuyến phố văn minh”, “Phân loại rác”, “Khu dân cư không rác” được triển khai nhân rộng trên địa bàn thành phố.';

const SRC_SELF_MANAGED_ROADS =
  'Mô hình “Đoạn đường tự quản” của Hội Cựu chiến binh, Hội Phụ nữ, Đoàn thanh niên được gắn với phong trào ' +
  '“Ngày chủ nhật xanh”, “Nhà sạch, vườn đẹp, môi trường trong lành, ngõ phố văn minh”, “Tuyến đường cờ hoa”; ' +
  '“Đoạn đường phụ nữ tự quản và văn minh đô thị”, “Thu gom, phân loại rác”, “Sân chơi thiếu nhi”...';

const SRC_FAMILIES =
  'Ngoài ra các mô hình “Tuổi cao gương sáng”, “Câu lạc bộ ông bà, cha, mẹ mẫu mực, con cháu thảo hiền ”, ' +
  '“Câu lạc bộ liên thế hệ tự giúp nhau”... được Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp ' +
  'tiếp tục triển khai hiệu quả';

const SRC_HEALTH =
  'Mô hình chăm sóc sức khỏe cho Nhân dân luôn được triển khai nhân rộng như mô hình: “Ngân hàng máu sống”, ' +
  '“Hiến máu tình nguyện”, “Khám bệnh và cấp thuốc miễn phí”... của Đoàn thanh niên, Hội Chữ thập đỏ';

const SRC_SECURITY =
  'Lĩnh vực an ninh – quốc phòng ghi nhận các mô hình tiêu biểu như: Mô hình: “Camera an ninh”, ' +
  '“Tổ liên gia an toàn phòng cháy chữa cháy”, “Điểm chữa cháy công cộng”, ' +
  '“Tuyên truyền, vận động Nhân dân mở cửa thoát hiểm thứ hai”, “Cụm an ninh liên hoàn”, “Đội an ninh tự quản”, ' +
  '“Thanh niên tình nguyện gắn với bảo vệ Tổ quốc”... của Khối dân vận các Đảng ủy phường, xã, ' +
  'Mặt trận Tổ quốc, Đoàn Thanh niên và Công an đang được triển khai nhân rộng';

const SRC_MILITARY =
  'Ban Chỉ huy Quân sự thành phố tiếp tục duy trì 06 mô hình Làng bản văn hóa Quốc phòng ' + 'và 02 mô hình Làng bản văn hóa Quốc phòng - An ninh';

const SRC_FRONT_MODELS =
  'Hiện nay thành phố có 12 mô hình “Dân vận khéo” xây dựng hệ thống chính trị như mô hình: “Tổ Dân vận ", ' +
  '“Hòm thư góp ý 217 - 218” đặt tại Nhà văn hóa các phường, xã và trên hệ thống thư điện tử ' +
  '(mô hình của Mặt trận Tổ quốc các phường, xã)';

const SRC_POLICE =
  'Mô hình “Nêu cao tinh thần trách nhiệm, gần gũi, thân thiện gắn với học tập và làm theo tư tưởng, đạo đức, ' +
  'phong cách Hồ Chí Minh của cán bộ chiến sỹ Công an”, được Công an thành phố triển khai thực hiện ' +
  'ở Công an các phường, xã.';

const SRC_KY_SON = 'Mô hình “Đổi mới hình thức sinh hoạt chi bộ cơ sở” của phường Kỳ Sơn.';

const SRC_TRADE_UNIONS =
  'Các mô hình về công tác dân vận chính quyền được Công đoàn cơ quan các phường, xã quan tâm chỉ đạo thực hiện ' +
  'như mô hình: “Cải cách hành chính: Trọng dân, gần dân, học dân, hiểu dân và có trách nhiệm với dân ' +
  'thuộc lĩnh vực Tư pháp hộ tịch và Văn phòng Uỷ ban nhân dân';

const SRC_HO_CHI_MINH_VIRTUES =
  'Mô hình học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh về đức tính ' +
  '“Cần, kiệm, liêm chính, chí công, vô tư”, “Nói đi đôi với làm”, “Củng cố tổ chức Hội vững mạnh”';

// ---------------------------------------------------------------------------------------------
// Organisations (parents before children)
// ---------------------------------------------------------------------------------------------

export const DEMO_ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    key: 'city',
    name: 'Thành phố Hòa Bình',
    kind: 'CITY',
    source: '6 tháng đầu năm, thành phố Hòa Bình có tổng số 179 mô hình “Dân vận khéo” trên các lĩnh vực.',
  },
  // The report only says "cấp ủy, chính quyền" (party committee, government); names follow that.
  {
    key: 'city-party-committee',
    name: 'Cấp ủy thành phố Hòa Bình',
    shortName: 'Cấp ủy',
    kind: 'PARTY_COMMITTEE',
    parentKey: 'city',
    source: SRC_LEADERSHIP,
  },
  {
    key: 'city-peoples-committee',
    name: 'Chính quyền thành phố Hòa Bình',
    shortName: 'Chính quyền',
    kind: 'PEOPLES_COMMITTEE',
    parentKey: 'city',
    source: SRC_LEADERSHIP,
  },
  {
    key: 'city-fatherland-front',
    name: 'Mặt trận Tổ quốc thành phố Hòa Bình',
    shortName: 'Mặt trận Tổ quốc',
    kind: 'FATHERLAND_FRONT',
    parentKey: 'city',
    source: SRC_FRONT_AND_ORGANISATIONS,
  },
  // Mass organisations ("đoàn thể chính trị - xã hội") at city level.
  {
    key: 'city-youth-union',
    name: 'Đoàn thanh niên thành phố Hòa Bình',
    shortName: 'Đoàn thanh niên',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city',
    source: 'của Đoàn thanh niên, Hội Cựu chiến binh, Hội Chữ thập đỏ và Hội Khuyến học',
  },
  {
    key: 'city-veterans-association',
    name: 'Hội Cựu chiến binh thành phố Hòa Bình',
    shortName: 'Hội Cựu chiến binh',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city',
    source: 'Mô hình “Đoạn đường tự quản” của Hội Cựu chiến binh, Hội Phụ nữ, Đoàn thanh niên',
  },
  {
    key: 'city-womens-union',
    name: 'Hội Phụ nữ thành phố Hòa Bình',
    shortName: 'Hội Phụ nữ',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city',
    source: 'Mô hình “Đoạn đường tự quản” của Hội Cựu chiến binh, Hội Phụ nữ, Đoàn thanh niên',
  },
  {
    key: 'city-farmers-association',
    name: 'Hội Nông dân thành phố Hòa Bình',
    shortName: 'Hội Nông dân',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city',
    source: 'Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp',
  },
  // Special associations ("Hội đặc thù") at city level.
  {
    key: 'city-elderly-association',
    name: 'Hội Người cao tuổi thành phố Hòa Bình',
    shortName: 'Hội Người cao tuổi',
    kind: 'ASSOCIATION',
    parentKey: 'city',
    source: 'Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp',
  },
  {
    key: 'city-red-cross',
    name: 'Hội Chữ thập đỏ thành phố Hòa Bình',
    shortName: 'Hội Chữ thập đỏ',
    kind: 'ASSOCIATION',
    parentKey: 'city',
    source: 'của Đoàn thanh niên, Hội Chữ thập đỏ được đồng đảo nhân dân tham gia',
  },
  {
    key: 'city-study-promotion-association',
    name: 'Hội Khuyến học thành phố Hòa Bình',
    shortName: 'Hội Khuyến học',
    kind: 'ASSOCIATION',
    parentKey: 'city',
    source: 'Hội Chữ thập đỏ và Hội Khuyến học',
  },
  {
    key: 'city-police',
    name: 'Công an thành phố Hòa Bình',
    shortName: 'Công an thành phố',
    kind: 'POLICE',
    parentKey: 'city',
    source: 'được Công an thành phố triển khai thực hiện ở Công an các phường, xã',
  },
  {
    key: 'city-military-command',
    name: 'Ban Chỉ huy Quân sự thành phố Hòa Bình',
    shortName: 'Ban Chỉ huy Quân sự thành phố',
    kind: 'MILITARY',
    parentKey: 'city',
    source: 'Ban Chỉ huy Quân sự thành phố tiếp tục duy trì 06 mô hình',
  },
  // The two grassroots units the report names individually.
  {
    key: 'ky-son-ward',
    name: 'Phường Kỳ Sơn',
    kind: 'WARD',
    parentKey: 'city',
    source: SRC_KY_SON,
  },
  {
    key: 'mong-hoa-commune',
    name: 'Xã Mông Hóa',
    kind: 'COMMUNE',
    parentKey: 'city',
    source: 'Cấp ủy và chính quyền xã Mông Hóa, phường Kỳ Sơn, thành phố Hòa Bình',
  },
  // Collectives: each stands for "all the wards' and communes' ..." as the report phrases it.
  // The mass-mobilisation bloc is not itself a committee, hence OTHER; it sits under the party
  // committee tree because it belongs to the ward/commune party committees.
  {
    key: 'ward-party-mass-mobilisation-blocs',
    name: 'Khối dân vận các Đảng ủy phường, xã',
    shortName: 'Khối dân vận phường, xã',
    kind: 'OTHER',
    parentKey: 'city-party-committee',
    source: 'của Khối dân vận các Đảng ủy phường, xã, Mặt trận Tổ quốc, Đoàn Thanh niên và Công an',
  },
  {
    key: 'ward-fatherland-fronts',
    name: 'Mặt trận Tổ quốc các phường, xã',
    shortName: 'MTTQ phường, xã',
    kind: 'FATHERLAND_FRONT',
    parentKey: 'city-fatherland-front',
    source: '(mô hình của Mặt trận Tổ quốc các phường, xã)',
  },
  {
    key: 'ward-police',
    name: 'Công an các phường, xã',
    kind: 'POLICE',
    parentKey: 'city-police',
    source: 'được Công an thành phố triển khai thực hiện ở Công an các phường, xã',
  },
  // The report names no city-level trade union, so the collective hangs from the city itself.
  {
    key: 'ward-agency-trade-unions',
    name: 'Công đoàn cơ quan các phường, xã',
    kind: 'TRADE_UNION',
    parentKey: 'city',
    source: 'được Công đoàn cơ quan các phường, xã quan tâm chỉ đạo thực hiện',
  },
  // "Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp": one collective per association,
  // each under its city-level association (which heads that association's system in the city).
  {
    key: 'womens-union-all-levels',
    name: 'Hội Phụ nữ các cấp',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city-womens-union',
    source: 'Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp tiếp tục triển khai hiệu quả',
  },
  {
    key: 'farmers-association-all-levels',
    name: 'Hội Nông dân các cấp',
    kind: 'MASS_ORGANISATION',
    parentKey: 'city-farmers-association',
    source: 'Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp tiếp tục triển khai hiệu quả',
  },
  {
    key: 'elderly-association-all-levels',
    name: 'Hội Người cao tuổi các cấp',
    kind: 'ASSOCIATION',
    parentKey: 'city-elderly-association',
    source: 'Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp tiếp tục triển khai hiệu quả',
  },
];

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

const LEARNING_PARTNERS = ['city-veterans-association', 'city-red-cross', 'city-study-promotion-association'];
const ROAD_PARTNERS = ['city-womens-union', 'city-youth-union'];
const FAMILY_PARTNERS = ['farmers-association-all-levels', 'elderly-association-all-levels'];
const SECURITY_PARTNERS = ['city-fatherland-front', 'city-youth-union', 'city-police'];

export const DEMO_MODELS: readonly DemoModel[] = [
  // ---- ECONOMY ----------------------------------------------------------------------------
  // The report names no organisation for any economic model; the lead is the city's
  // people's committee as a placeholder (not an attribution the report makes).
  { key: 'model-trong-bi-xanh', name: 'Trồng bí xanh', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_FARMING },
  { key: 'model-trong-rau-sach', name: 'Trồng rau sạch', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_FARMING },
  {
    key: 'model-chuyen-dich-co-cau-kinh-te',
    name: 'Chuyển dịch cơ cấu kinh tế',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_FARMING,
  },
  {
    key: 'model-ho-tro-vay-von-khong-lai',
    name: 'Hỗ trợ vay vốn không lấy lãi',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_FARMING,
  },
  {
    key: 'model-quy-hoi-cho-hoi-vien-vay',
    name: 'Xây dựng quỹ hội cho hội viên vay để sản xuất, phát triển kinh tế không lãi xuất',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_FARMING,
  },
  // The names suggest the Elderly association / Women's Union, but the report does not say so.
  {
    key: 'model-nguoi-cao-tuoi-phat-trien-kinh-te',
    name: 'Người cao tuổi phát triển kinh tế',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_FARMING,
  },
  {
    key: 'model-phu-nu-tiet-kiem-gop-von',
    name: 'Phụ nữ tiết kiệm góp vốn xoay vòng',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_FARMING,
  },
  { key: 'model-nuoi-dui', name: 'Nuôi Dúi', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_FARMING },
  { key: 'model-nuoi-de', name: 'Nuôi Dê', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_FARMING },
  // Crafts, services and fish farming: same sentence, same placeholder lead.
  { key: 'model-dich-vu-choi-chit', name: 'Dịch vụ chổi chít', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_CRAFTS },
  {
    key: 'model-khung-nhom-cua-kinh',
    name: 'Sản xuất lắp ghép khung nhôm cửa kính',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_CRAFTS,
  },
  {
    key: 'model-htx-van-tai-du-lich-dich-vu',
    name: 'Hợp tác xã vận tải du lịch - dịch vụ',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_CRAFTS,
  },
  { key: 'model-nuoi-ca-long', name: 'Nuôi cá lồng', domain: 'ECONOMY', leadKey: 'city-peoples-committee', source: SRC_ECONOMY_CRAFTS },
  {
    key: 'model-htx-duoc-lieu-thuoc-nam-dao',
    name: 'Hợp tác xã Dược liệu thuốc nam dân tộc Dao',
    domain: 'ECONOMY',
    leadKey: 'city-peoples-committee',
    source: SRC_ECONOMY_CRAFTS,
  },

  // ---- CULTURE_SOCIETY --------------------------------------------------------------------
  // Learning: "của Đoàn thanh niên, Hội Cựu chiến binh, Hội Chữ thập đỏ và Hội Khuyến học"
  // -> lead Youth Union (first named), the three others as partners.
  {
    key: 'model-khuyen-hoc-khuyen-tai',
    name: 'Khuyến học, khuyến tài, xây dựng xã hội học tập',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-dong-ho-hoc-tap',
    name: 'Dòng họ học tập',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-gia-dinh-hoc-tap',
    name: 'Gia đình học tập',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-don-vi-hoc-tap',
    name: 'Đơn vị học tập',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-trang-vo-vuot-kho',
    name: 'Trang vở vượt khó',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-nuoi-lon-nhua',
    name: 'Nuôi lợn nhựa giúp bạn nghèo',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-hoc-bong-1000-dong',
    name: 'Học bổng 1.000 đồng',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  {
    key: 'model-do-dau-hoc-sinh',
    name: 'Đỡ đầu học sinh có hoàn cảnh khó khăn',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: LEARNING_PARTNERS,
    source: SRC_LEARNING,
  },
  { key: 'model-me-do-dau', name: 'Mẹ đỡ đầu', domain: 'CULTURE_SOCIETY', leadKey: 'city-youth-union', partnerKeys: LEARNING_PARTNERS, source: SRC_LEARNING },
  // Urban order and environment: "triển khai nhân rộng trên địa bàn thành phố", but neither the
  // organisation running them nor where they were taken up is named: placeholder lead = the
  // city's people's committee, and no replication links.
  { key: 'model-tuyen-pho-van-minh', name: 'Tuyến phố văn minh', domain: 'CULTURE_SOCIETY', leadKey: 'city-peoples-committee', source: SRC_URBAN },
  { key: 'model-phan-loai-rac', name: 'Phân loại rác', domain: 'CULTURE_SOCIETY', leadKey: 'city-peoples-committee', source: SRC_URBAN },
  { key: 'model-khu-dan-cu-khong-rac', name: 'Khu dân cư không rác', domain: 'CULTURE_SOCIETY', leadKey: 'city-peoples-committee', source: SRC_URBAN },
  // "Đoạn đường tự quản" of the Veterans, Women's Union and Youth Union, and the models the
  // report ties to it ("được gắn với"): same organisations, Veterans (first named) leading.
  // Being tied to it is not a replication, so no links.
  {
    key: 'model-doan-duong-tu-quan',
    name: 'Đoạn đường tự quản',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  {
    key: 'model-ngay-chu-nhat-xanh',
    name: 'Ngày chủ nhật xanh',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  {
    key: 'model-nha-sach-vuon-dep',
    name: 'Nhà sạch, vườn đẹp, môi trường trong lành, ngõ phố văn minh',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  {
    key: 'model-tuyen-duong-co-hoa',
    name: 'Tuyến đường cờ hoa',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  // The name suggests the Women's Union; the report does not say, so the group rule applies.
  {
    key: 'model-doan-duong-phu-nu-tu-quan',
    name: 'Đoạn đường phụ nữ tự quản và văn minh đô thị',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  {
    key: 'model-thu-gom-phan-loai-rac',
    name: 'Thu gom, phân loại rác',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  {
    key: 'model-san-choi-thieu-nhi',
    name: 'Sân chơi thiếu nhi',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-veterans-association',
    partnerKeys: ROAD_PARTNERS,
    source: SRC_SELF_MANAGED_ROADS,
  },
  // Families and the elderly: "Hội Phụ nữ, Hội Nông dân, Hội Người cao tuổi các cấp".
  {
    key: 'model-tuoi-cao-guong-sang',
    name: 'Tuổi cao gương sáng',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'womens-union-all-levels',
    partnerKeys: FAMILY_PARTNERS,
    source: SRC_FAMILIES,
  },
  {
    key: 'model-clb-ong-ba-cha-me-mau-muc',
    name: 'Câu lạc bộ ông bà, cha, mẹ mẫu mực, con cháu thảo hiền',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'womens-union-all-levels',
    partnerKeys: FAMILY_PARTNERS,
    source: SRC_FAMILIES,
  },
  {
    key: 'model-clb-lien-the-he',
    name: 'Câu lạc bộ liên thế hệ tự giúp nhau',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'womens-union-all-levels',
    partnerKeys: FAMILY_PARTNERS,
    source: SRC_FAMILIES,
  },
  // Health: "của Đoàn thanh niên, Hội Chữ thập đỏ".
  {
    key: 'model-ngan-hang-mau-song',
    name: 'Ngân hàng máu sống',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: ['city-red-cross'],
    source: SRC_HEALTH,
  },
  {
    key: 'model-hien-mau-tinh-nguyen',
    name: 'Hiến máu tình nguyện',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: ['city-red-cross'],
    source: SRC_HEALTH,
  },
  {
    key: 'model-kham-benh-cap-thuoc-mien-phi',
    name: 'Khám bệnh và cấp thuốc miễn phí',
    domain: 'CULTURE_SOCIETY',
    leadKey: 'city-youth-union',
    partnerKeys: ['city-red-cross'],
    source: SRC_HEALTH,
  },

  // ---- SECURITY_DEFENCE -------------------------------------------------------------------
  // "của Khối dân vận các Đảng ủy phường, xã, Mặt trận Tổ quốc, Đoàn Thanh niên và Công an":
  // lead = the blocs (first named); the Front, Youth Union and police are unqualified in the
  // text, so their city-level organisations are the partners. "đang được triển khai nhân
  // rộng" names no organisation taking them up, so no links.
  {
    key: 'model-camera-an-ninh',
    name: 'Camera an ninh',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-to-lien-gia-pccc',
    name: 'Tổ liên gia an toàn phòng cháy chữa cháy',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-diem-chua-chay-cong-cong',
    name: 'Điểm chữa cháy công cộng',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-cua-thoat-hiem-thu-hai',
    name: 'Tuyên truyền, vận động Nhân dân mở cửa thoát hiểm thứ hai',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-cum-an-ninh-lien-hoan',
    name: 'Cụm an ninh liên hoàn',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-doi-an-ninh-tu-quan',
    name: 'Đội an ninh tự quản',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  {
    key: 'model-thanh-nien-tinh-nguyen-bao-ve-to-quoc',
    name: 'Thanh niên tình nguyện gắn với bảo vệ Tổ quốc',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'ward-party-mass-mobilisation-blocs',
    partnerKeys: SECURITY_PARTNERS,
    source: SRC_SECURITY,
  },
  // The military command keeps 6 + 2 of these; each kind is ONE registered model here, the
  // counts live in the command's period report (DEMO_REPORTS).
  {
    key: 'model-lang-ban-van-hoa-quoc-phong',
    name: 'Làng bản văn hóa Quốc phòng',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'city-military-command',
    source: SRC_MILITARY,
  },
  {
    key: 'model-lang-ban-van-hoa-quoc-phong-an-ninh',
    name: 'Làng bản văn hóa Quốc phòng - An ninh',
    domain: 'SECURITY_DEFENCE',
    leadKey: 'city-military-command',
    source: SRC_MILITARY,
  },

  // ---- POLITICAL_SYSTEM -------------------------------------------------------------------
  // "(mô hình của Mặt trận Tổ quốc các phường, xã)" closes the list of both models, so it is
  // read as covering "Tổ Dân vận" as well as "Hòm thư góp ý 217 - 218".
  { key: 'model-to-dan-van', name: 'Tổ Dân vận', domain: 'POLITICAL_SYSTEM', leadKey: 'ward-fatherland-fronts', source: SRC_FRONT_MODELS },
  {
    key: 'model-hom-thu-gop-y-217-218',
    name: 'Hòm thư góp ý 217 - 218',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'ward-fatherland-fronts',
    source: SRC_FRONT_MODELS,
  },
  // The city police's model, and its replica in the ward/commune police (see DEMO_LINKS).
  {
    key: 'model-cong-an-than-thien',
    name: 'Nêu cao tinh thần trách nhiệm, gần gũi, thân thiện gắn với học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của cán bộ chiến sỹ Công an',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'city-police',
    source: SRC_POLICE,
  },
  {
    key: 'model-cong-an-than-thien-phuong-xa',
    name: 'Nêu cao tinh thần trách nhiệm, gần gũi, thân thiện gắn với học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh của cán bộ chiến sỹ Công an',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'ward-police',
    source: SRC_POLICE,
  },
  {
    key: 'model-doi-moi-sinh-hoat-chi-bo',
    name: 'Đổi mới hình thức sinh hoạt chi bộ cơ sở',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'ky-son-ward',
    localityKey: 'ky-son-ward',
    source: SRC_KY_SON,
  },
  {
    key: 'model-cai-cach-hanh-chinh',
    name: 'Cải cách hành chính: Trọng dân, gần dân, học dân, hiểu dân và có trách nhiệm với dân thuộc lĩnh vực Tư pháp hộ tịch và Văn phòng Uỷ ban nhân dân',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'ward-agency-trade-unions',
    source: SRC_TRADE_UNIONS,
  },
  // Following Hồ Chí Minh's example: the report names no organisation for these three;
  // placeholder lead = the city's people's committee.
  {
    key: 'model-can-kiem-liem-chinh',
    name: 'Cần, kiệm, liêm chính, chí công, vô tư',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'city-peoples-committee',
    source: SRC_HO_CHI_MINH_VIRTUES,
  },
  {
    key: 'model-noi-di-doi-voi-lam',
    name: 'Nói đi đôi với làm',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'city-peoples-committee',
    source: SRC_HO_CHI_MINH_VIRTUES,
  },
  {
    key: 'model-cung-co-to-chuc-hoi',
    name: 'Củng cố tổ chức Hội vững mạnh',
    domain: 'POLITICAL_SYSTEM',
    leadKey: 'city-peoples-committee',
    source: SRC_HO_CHI_MINH_VIRTUES,
  },
];

// ---------------------------------------------------------------------------------------------
// Replication links: only what the report states.
// ---------------------------------------------------------------------------------------------

export const DEMO_LINKS: readonly DemoLink[] = [
  {
    sourceKey: 'model-cong-an-than-thien',
    targetKey: 'model-cong-an-than-thien-phuong-xa',
    note: 'The city police rolled its model out to the ward and commune police (2023-H1 report).',
    source: 'được Công an thành phố triển khai thực hiện ở Công an các phường, xã',
  },
];

// ---------------------------------------------------------------------------------------------
// Reported figures for 2023-H1
// ---------------------------------------------------------------------------------------------

export const DEMO_REPORTS: readonly DemoPeriodReport[] = [
  {
    organisationKey: 'city',
    periodCode: '2023-H1',
    total: 179,
    economy: 51,
    cultureSociety: 70,
    securityDefence: 46,
    politicalSystem: 12,
    newlyReplicated: 16,
    note: 'Figures reported for the city as a whole; the report names only some of these models.',
    source: SRC_CITY_FIGURES,
  },
  {
    organisationKey: 'city-military-command',
    periodCode: '2023-H1',
    total: 8,
    economy: null,
    cultureSociety: null,
    securityDefence: 8,
    politicalSystem: null,
    newlyReplicated: null,
    note:
      'Models kept by the city military command: 6 "Làng bản văn hóa Quốc phòng" and ' +
      '2 "Làng bản văn hóa Quốc phòng - An ninh" (8, all security and defence). ' +
      'The report gives no other breakdown and no replication figure for the command.',
    source: SRC_MILITARY,
  },
];
