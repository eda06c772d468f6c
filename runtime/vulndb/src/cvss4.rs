//! The CVSS v4.0 score of a vector, exactly as FIRST's specification (section 8.2) and its
//! reference calculator compute it: the vector's macro-vector (equivalence classes EQ1-EQ6),
//! the expert-rated score of that macro-vector from the 270-entry lookup table, then an
//! interpolation by the vector's severity distance from the highest-severity vectors of its
//! macro-vector towards the next lower macro-vectors.
//!
//! The data below (lookup table, highest-severity vectors, maximal severity depths, metric
//! levels) are the values of FIRST's reference implementation, `cvss-v4-calculator`
//! (https://github.com/FIRSTdotorg/cvss-v4-calculator, mirrored at
//! https://github.com/RedHatProductSecurity/cvss-v4-calculator: `cvss_lookup.js`,
//! `max_composed.js`, `max_severity.js`, and the algorithm of `cvss_score.js` / `cvss40.js`;
//! BSD-2-Clause, Copyright FIRST, Red Hat, and contributors). The arithmetic is done in the
//! same order on the same `f64` values as the JavaScript, so that results agree to the bit
//! before the final rounding.
//!
//! The score is that of the vector as written: threat (`E`) and environmental metrics
//! (`CR`/`IR`/`AR`, `MAV`... `MSA`) are applied when present, as FIRST's calculator does and
//! as the scores that NVD and GitHub publish for such vectors are; a vector of base metrics
//! only gets its CVSS-B score.

/// The 270 macro-vectors (EQ1..EQ6 digits) and their scores, sorted by macro-vector.
const LOOKUP: [([u8; 6], f64); 270] = [
    (*b"000000", 10.0),
    (*b"000001", 9.9),
    (*b"000010", 9.8),
    (*b"000011", 9.5),
    (*b"000020", 9.5),
    (*b"000021", 9.2),
    (*b"000100", 10.0),
    (*b"000101", 9.6),
    (*b"000110", 9.3),
    (*b"000111", 8.7),
    (*b"000120", 9.1),
    (*b"000121", 8.1),
    (*b"000200", 9.3),
    (*b"000201", 9.0),
    (*b"000210", 8.9),
    (*b"000211", 8.0),
    (*b"000220", 8.1),
    (*b"000221", 6.8),
    (*b"001000", 9.8),
    (*b"001001", 9.5),
    (*b"001010", 9.5),
    (*b"001011", 9.2),
    (*b"001020", 9.0),
    (*b"001021", 8.4),
    (*b"001100", 9.3),
    (*b"001101", 9.2),
    (*b"001110", 8.9),
    (*b"001111", 8.1),
    (*b"001120", 8.1),
    (*b"001121", 6.5),
    (*b"001200", 8.8),
    (*b"001201", 8.0),
    (*b"001210", 7.8),
    (*b"001211", 7.0),
    (*b"001220", 6.9),
    (*b"001221", 4.8),
    (*b"002001", 9.2),
    (*b"002011", 8.2),
    (*b"002021", 7.2),
    (*b"002101", 7.9),
    (*b"002111", 6.9),
    (*b"002121", 5.0),
    (*b"002201", 6.9),
    (*b"002211", 5.5),
    (*b"002221", 2.7),
    (*b"010000", 9.9),
    (*b"010001", 9.7),
    (*b"010010", 9.5),
    (*b"010011", 9.2),
    (*b"010020", 9.2),
    (*b"010021", 8.5),
    (*b"010100", 9.5),
    (*b"010101", 9.1),
    (*b"010110", 9.0),
    (*b"010111", 8.3),
    (*b"010120", 8.4),
    (*b"010121", 7.1),
    (*b"010200", 9.2),
    (*b"010201", 8.1),
    (*b"010210", 8.2),
    (*b"010211", 7.1),
    (*b"010220", 7.2),
    (*b"010221", 5.3),
    (*b"011000", 9.5),
    (*b"011001", 9.3),
    (*b"011010", 9.2),
    (*b"011011", 8.5),
    (*b"011020", 8.5),
    (*b"011021", 7.3),
    (*b"011100", 9.2),
    (*b"011101", 8.2),
    (*b"011110", 8.0),
    (*b"011111", 7.2),
    (*b"011120", 7.0),
    (*b"011121", 5.9),
    (*b"011200", 8.4),
    (*b"011201", 7.0),
    (*b"011210", 7.1),
    (*b"011211", 5.2),
    (*b"011220", 5.0),
    (*b"011221", 3.0),
    (*b"012001", 8.6),
    (*b"012011", 7.5),
    (*b"012021", 5.2),
    (*b"012101", 7.1),
    (*b"012111", 5.2),
    (*b"012121", 2.9),
    (*b"012201", 6.3),
    (*b"012211", 2.9),
    (*b"012221", 1.7),
    (*b"100000", 9.8),
    (*b"100001", 9.5),
    (*b"100010", 9.4),
    (*b"100011", 8.7),
    (*b"100020", 9.1),
    (*b"100021", 8.1),
    (*b"100100", 9.4),
    (*b"100101", 8.9),
    (*b"100110", 8.6),
    (*b"100111", 7.4),
    (*b"100120", 7.7),
    (*b"100121", 6.4),
    (*b"100200", 8.7),
    (*b"100201", 7.5),
    (*b"100210", 7.4),
    (*b"100211", 6.3),
    (*b"100220", 6.3),
    (*b"100221", 4.9),
    (*b"101000", 9.4),
    (*b"101001", 8.9),
    (*b"101010", 8.8),
    (*b"101011", 7.7),
    (*b"101020", 7.6),
    (*b"101021", 6.7),
    (*b"101100", 8.6),
    (*b"101101", 7.6),
    (*b"101110", 7.4),
    (*b"101111", 5.8),
    (*b"101120", 5.9),
    (*b"101121", 5.0),
    (*b"101200", 7.2),
    (*b"101201", 5.7),
    (*b"101210", 5.7),
    (*b"101211", 5.2),
    (*b"101220", 5.2),
    (*b"101221", 2.5),
    (*b"102001", 8.3),
    (*b"102011", 7.0),
    (*b"102021", 5.4),
    (*b"102101", 6.5),
    (*b"102111", 5.8),
    (*b"102121", 2.6),
    (*b"102201", 5.3),
    (*b"102211", 2.1),
    (*b"102221", 1.3),
    (*b"110000", 9.5),
    (*b"110001", 9.0),
    (*b"110010", 8.8),
    (*b"110011", 7.6),
    (*b"110020", 7.6),
    (*b"110021", 7.0),
    (*b"110100", 9.0),
    (*b"110101", 7.7),
    (*b"110110", 7.5),
    (*b"110111", 6.2),
    (*b"110120", 6.1),
    (*b"110121", 5.3),
    (*b"110200", 7.7),
    (*b"110201", 6.6),
    (*b"110210", 6.8),
    (*b"110211", 5.9),
    (*b"110220", 5.2),
    (*b"110221", 3.0),
    (*b"111000", 8.9),
    (*b"111001", 7.8),
    (*b"111010", 7.6),
    (*b"111011", 6.7),
    (*b"111020", 6.2),
    (*b"111021", 5.8),
    (*b"111100", 7.4),
    (*b"111101", 5.9),
    (*b"111110", 5.7),
    (*b"111111", 5.7),
    (*b"111120", 4.7),
    (*b"111121", 2.3),
    (*b"111200", 6.1),
    (*b"111201", 5.2),
    (*b"111210", 5.7),
    (*b"111211", 2.9),
    (*b"111220", 2.4),
    (*b"111221", 1.6),
    (*b"112001", 7.1),
    (*b"112011", 5.9),
    (*b"112021", 3.0),
    (*b"112101", 5.8),
    (*b"112111", 2.6),
    (*b"112121", 1.5),
    (*b"112201", 2.3),
    (*b"112211", 1.3),
    (*b"112221", 0.6),
    (*b"200000", 9.3),
    (*b"200001", 8.7),
    (*b"200010", 8.6),
    (*b"200011", 7.2),
    (*b"200020", 7.5),
    (*b"200021", 5.8),
    (*b"200100", 8.6),
    (*b"200101", 7.4),
    (*b"200110", 7.4),
    (*b"200111", 6.1),
    (*b"200120", 5.6),
    (*b"200121", 3.4),
    (*b"200200", 7.0),
    (*b"200201", 5.4),
    (*b"200210", 5.2),
    (*b"200211", 4.0),
    (*b"200220", 4.0),
    (*b"200221", 2.2),
    (*b"201000", 8.5),
    (*b"201001", 7.5),
    (*b"201010", 7.4),
    (*b"201011", 5.5),
    (*b"201020", 6.2),
    (*b"201021", 5.1),
    (*b"201100", 7.2),
    (*b"201101", 5.7),
    (*b"201110", 5.5),
    (*b"201111", 4.1),
    (*b"201120", 4.6),
    (*b"201121", 1.9),
    (*b"201200", 5.3),
    (*b"201201", 3.6),
    (*b"201210", 3.4),
    (*b"201211", 1.9),
    (*b"201220", 1.9),
    (*b"201221", 0.8),
    (*b"202001", 6.4),
    (*b"202011", 5.1),
    (*b"202021", 2.0),
    (*b"202101", 4.7),
    (*b"202111", 2.1),
    (*b"202121", 1.1),
    (*b"202201", 2.4),
    (*b"202211", 0.9),
    (*b"202221", 0.4),
    (*b"210000", 8.8),
    (*b"210001", 7.5),
    (*b"210010", 7.3),
    (*b"210011", 5.3),
    (*b"210020", 6.0),
    (*b"210021", 5.0),
    (*b"210100", 7.3),
    (*b"210101", 5.5),
    (*b"210110", 5.9),
    (*b"210111", 4.0),
    (*b"210120", 4.1),
    (*b"210121", 2.0),
    (*b"210200", 5.4),
    (*b"210201", 4.3),
    (*b"210210", 4.5),
    (*b"210211", 2.2),
    (*b"210220", 2.0),
    (*b"210221", 1.1),
    (*b"211000", 7.5),
    (*b"211001", 5.5),
    (*b"211010", 5.8),
    (*b"211011", 4.5),
    (*b"211020", 4.0),
    (*b"211021", 2.1),
    (*b"211100", 6.1),
    (*b"211101", 5.1),
    (*b"211110", 4.8),
    (*b"211111", 1.8),
    (*b"211120", 2.0),
    (*b"211121", 0.9),
    (*b"211200", 4.6),
    (*b"211201", 1.8),
    (*b"211210", 1.7),
    (*b"211211", 0.7),
    (*b"211220", 0.8),
    (*b"211221", 0.2),
    (*b"212001", 5.3),
    (*b"212011", 2.4),
    (*b"212021", 1.4),
    (*b"212101", 2.4),
    (*b"212111", 1.2),
    (*b"212121", 0.5),
    (*b"212201", 1.0),
    (*b"212211", 0.3),
    (*b"212221", 0.1),
];

/// The score of a macro-vector; none for a combination that does not exist (the next lower
/// macro-vector of a lowest one).
fn lookup(macro_vector: [u8; 6]) -> Option<f64> {
    LOOKUP
        .binary_search_by(|(key, _)| key.cmp(&macro_vector))
        .ok()
        .and_then(|index| LOOKUP.get(index))
        .map(|(_, score)| *score)
}

/// The effective values of the metrics that scoring reads, one ASCII letter each.
#[derive(Debug, Clone, Copy)]
struct Effective {
    av: u8,
    ac: u8,
    at: u8,
    pr: u8,
    ui: u8,
    vc: u8,
    vi: u8,
    va: u8,
    sc: u8,
    si: u8,
    sa: u8,
    e: u8,
    cr: u8,
    ir: u8,
    ar: u8,
    /// `MSI` and `MSA` as written (`X` when absent): EQ4 reads them directly.
    msi: u8,
    msa: u8,
}

/// Every metric a v4.0 vector may carry and the values it allows (the specification's
/// table 23); the first eleven are the mandatory base metrics.
const METRICS: [(&str, &[&str]); 32] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("AT", &["N", "P"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "P", "A"]),
    ("VC", &["H", "L", "N"]),
    ("VI", &["H", "L", "N"]),
    ("VA", &["H", "L", "N"]),
    ("SC", &["H", "L", "N"]),
    ("SI", &["H", "L", "N"]),
    ("SA", &["H", "L", "N"]),
    ("E", &["X", "A", "P", "U"]),
    ("CR", &["X", "H", "M", "L"]),
    ("IR", &["X", "H", "M", "L"]),
    ("AR", &["X", "H", "M", "L"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MAT", &["X", "N", "P"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "P", "A"]),
    ("MVC", &["X", "H", "L", "N"]),
    ("MVI", &["X", "H", "L", "N"]),
    ("MVA", &["X", "H", "L", "N"]),
    ("MSC", &["X", "H", "L", "N"]),
    ("MSI", &["X", "S", "H", "L", "N"]),
    ("MSA", &["X", "S", "H", "L", "N"]),
    ("S", &["X", "N", "P"]),
    ("AU", &["X", "N", "Y"]),
    ("R", &["X", "A", "U", "I"]),
    ("V", &["X", "D", "C"]),
    ("RE", &["X", "L", "M", "H"]),
    ("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

const BASE_METRICS: usize = 11;

/// Parses a `CVSS:4.0/...` vector: every base metric present once, every metric known and
/// its value allowed, no metric twice. Returns the effective values scoring reads.
fn parse(vector: &str) -> Option<Effective> {
    let mut parts = vector.trim().split('/');
    if parts.next()? != "CVSS:4.0" {
        return None;
    }
    let mut values: [Option<&str>; METRICS.len()] = [None; METRICS.len()];
    for part in parts {
        let (key, value) = part.split_once(':')?;
        let index = METRICS.iter().position(|(name, _)| *name == key)?;
        let (_, allowed) = METRICS.get(index)?;
        if !allowed.contains(&value) {
            return None;
        }
        let slot = values.get_mut(index)?;
        if slot.is_some() {
            return None;
        }
        *slot = Some(value);
    }
    if values.iter().take(BASE_METRICS).any(Option::is_none) {
        return None;
    }
    let raw = |key: &str| -> u8 {
        METRICS
            .iter()
            .position(|(name, _)| *name == key)
            .and_then(|index| values.get(index).copied().flatten())
            .and_then(|value| value.bytes().next())
            .unwrap_or(b'X')
    };
    // A modified (environmental) metric replaces its base metric unless it is `X`.
    let effective = |key: &str| -> u8 {
        let modified = raw(&format!("M{key}"));
        if modified == b'X' { raw(key) } else { modified }
    };
    // Absent threat and requirement metrics take their worst case, as the specification says.
    let or_worst = |key: &str, worst: u8| -> u8 {
        match raw(key) {
            b'X' => worst,
            value => value,
        }
    };
    Some(Effective {
        av: effective("AV"),
        ac: effective("AC"),
        at: effective("AT"),
        pr: effective("PR"),
        ui: effective("UI"),
        vc: effective("VC"),
        vi: effective("VI"),
        va: effective("VA"),
        sc: effective("SC"),
        si: effective("SI"),
        sa: effective("SA"),
        e: or_worst("E", b'A'),
        cr: or_worst("CR", b'H'),
        ir: or_worst("IR", b'H'),
        ar: or_worst("AR", b'H'),
        msi: raw("MSI"),
        msa: raw("MSA"),
    })
}

/// The macro-vector: the six equivalence classes (specification section 8.2, table 24).
fn macro_vector(m: &Effective) -> [u8; 6] {
    let eq1 = if m.av == b'N' && m.pr == b'N' && m.ui == b'N' {
        0
    } else if (m.av == b'N' || m.pr == b'N' || m.ui == b'N') && m.av != b'P' {
        1
    } else {
        2
    };
    let eq2 = if m.ac == b'L' && m.at == b'N' { 0 } else { 1 };
    let eq3 = if m.vc == b'H' && m.vi == b'H' {
        0
    } else if m.vc == b'H' || m.vi == b'H' || m.va == b'H' {
        1
    } else {
        2
    };
    let eq4 = if m.msi == b'S' || m.msa == b'S' {
        0
    } else if m.sc == b'H' || m.si == b'H' || m.sa == b'H' {
        1
    } else {
        2
    };
    let eq5 = match m.e {
        b'P' => 1,
        b'U' => 2,
        _ => 0,
    };
    let eq6 = if (m.cr == b'H' && m.vc == b'H')
        || (m.ir == b'H' && m.vi == b'H')
        || (m.ar == b'H' && m.va == b'H')
    {
        0
    } else {
        1
    };
    [eq1, eq2, eq3, eq4, eq5, eq6].map(|digit| b'0' + digit)
}

/// A metric value's level: its severity distance from the most severe value, in steps of 0.1
/// (the reference's `METRIC_LEVELS`).
fn level(metric: &str, value: u8) -> f64 {
    match (metric, value) {
        ("AV", b'N') | ("PR", b'N') | ("UI", b'N') | ("AC", b'L') | ("AT", b'N') => 0.0,
        ("AV", b'A') | ("PR", b'L') | ("UI", b'P') | ("AC", b'H') | ("AT", b'P') => 0.1,
        ("AV", b'L') | ("PR", b'H') | ("UI", b'A') => 0.2,
        ("AV", b'P') => 0.3,
        ("VC" | "VI" | "VA" | "CR" | "IR" | "AR", b'H') => 0.0,
        ("VC" | "VI" | "VA", b'L') | ("CR" | "IR" | "AR", b'M') => 0.1,
        ("VC" | "VI" | "VA", b'N') | ("CR" | "IR" | "AR", b'L') => 0.2,
        ("SI" | "SA", b'S') => 0.0,
        ("SC" | "SI" | "SA", b'H') => 0.1,
        ("SC" | "SI" | "SA", b'L') => 0.2,
        ("SC" | "SI" | "SA", b'N') => 0.3,
        _ => 0.0,
    }
}

/// The highest-severity vectors of each equivalence class (the reference's `MAX_COMPOSED`),
/// as the metric values they fix, in the reference's order.
const EQ1_MAXES: [&[[u8; 3]]; 3] = [
    // AV, PR, UI
    &[*b"NNN"],
    &[*b"ANN", *b"NLN", *b"NNP"],
    &[*b"PNN", *b"ALP"],
];
const EQ2_MAXES: [&[[u8; 2]]; 2] = [
    // AC, AT
    &[*b"LN"],
    &[*b"HN", *b"LP"],
];
/// EQ3 and EQ6 together: indexed by EQ3, then EQ6 (EQ3 = 2 only exists with EQ6 = 1).
const EQ3_EQ6_MAXES: [[&[[u8; 6]]; 2]; 3] = [
    // VC, VI, VA, CR, IR, AR
    [&[*b"HHHHHH"], &[*b"HHLMMH", *b"HHHMMM"]],
    [
        &[*b"LHHHHH", *b"HLHHHH"],
        &[*b"LHLHMH", *b"LHHHMM", *b"HLHMHM", *b"HLLMHH", *b"LLHHHM"],
    ],
    [&[], &[*b"LLLHHH"]],
];
const EQ4_MAXES: [[u8; 3]; 3] = [
    // SC, SI, SA
    *b"HSS", *b"HHH", *b"LLL",
];

/// The depth of each class, in steps (the reference's `MAX_SEVERITY`).
const EQ1_DEPTH: [f64; 3] = [1.0, 4.0, 5.0];
const EQ2_DEPTH: [f64; 2] = [1.0, 2.0];
const EQ3_EQ6_DEPTH: [[f64; 2]; 3] = [[7.0, 6.0], [8.0, 8.0], [0.0, 10.0]];
const EQ4_DEPTH: [f64; 3] = [6.0, 5.0, 4.0];

/// Severity distances of the vector from one highest-severity vector, per metric.
#[derive(Debug, Default, Clone, Copy)]
struct Distances {
    av: f64,
    pr: f64,
    ui: f64,
    ac: f64,
    at: f64,
    vc: f64,
    vi: f64,
    va: f64,
    sc: f64,
    si: f64,
    sa: f64,
    cr: f64,
    ir: f64,
    ar: f64,
}

impl Distances {
    fn all_non_negative(&self) -> bool {
        [
            self.av, self.pr, self.ui, self.ac, self.at, self.vc, self.vi, self.va, self.sc,
            self.si, self.sa, self.cr, self.ir, self.ar,
        ]
        .iter()
        .all(|distance| *distance >= 0.0)
    }
}

/// The CVSS v4.0 score of `vector` (one decimal), or none when it is not a valid v4.0 vector.
pub fn cvss4_score(vector: &str) -> Option<f64> {
    let m = parse(vector)?;
    if [m.vc, m.vi, m.va, m.sc, m.si, m.sa]
        .iter()
        .all(|value| *value == b'N')
    {
        return Some(0.0);
    }
    let macro_vector = macro_vector(&m);
    let value = lookup(macro_vector)?;
    let digit = |index: usize| -> usize {
        macro_vector
            .get(index)
            .map_or(0, |digit| usize::from(digit - b'0'))
    };
    // EQ5 only moves through its lower macro-vector: its distance is always 0.
    let (eq1, eq2, eq3, eq4, eq6) = (digit(0), digit(1), digit(2), digit(3), digit(5));
    let lower = |changes: [usize; 6]| -> Option<f64> {
        let mut next = macro_vector;
        for (slot, change) in next.iter_mut().zip(changes) {
            // A digit past 9 cannot be a macro-vector: the lookup then finds nothing.
            *slot = slot.saturating_add(u8::try_from(change).unwrap_or(u8::MAX));
        }
        lookup(next)
    };
    // 1a. The next lower macro-vector of each class; EQ3 and EQ6 move together.
    let lower_eq1 = lower([1, 0, 0, 0, 0, 0]);
    let lower_eq2 = lower([0, 1, 0, 0, 0, 0]);
    let lower_eq3_eq6 = match (eq3, eq6) {
        (0, 0) => {
            // Two ways down: the reference takes the higher score (`Math.max`, which is NaN
            // when either is missing).
            match (lower([0, 0, 0, 0, 0, 1]), lower([0, 0, 1, 0, 0, 0])) {
                (Some(left), Some(right)) => Some(left.max(right)),
                _ => None,
            }
        }
        (1, 0) => lower([0, 0, 0, 0, 0, 1]),
        (0, 1) | (1, 1) => lower([0, 0, 1, 0, 0, 0]),
        _ => lower([0, 0, 1, 0, 0, 1]),
    };
    let lower_eq4 = lower([0, 0, 0, 1, 0, 0]);
    let lower_eq5 = lower([0, 0, 0, 0, 1, 0]);

    // 1b. The distance from the first highest-severity vector of the macro-vector that the
    // vector does not exceed on any metric.
    let eq3_eq6_maxes: &[[u8; 6]] = EQ3_EQ6_MAXES
        .get(eq3)
        .and_then(|by_eq6| by_eq6.get(eq6))
        .copied()
        .unwrap_or(&[]);
    let mut distances = Distances::default();
    'search: for eq1_max in EQ1_MAXES.get(eq1).copied().unwrap_or(&[]) {
        for eq2_max in EQ2_MAXES.get(eq2).copied().unwrap_or(&[]) {
            for eq3_max in eq3_eq6_maxes {
                for eq4_max in EQ4_MAXES.get(eq4).map_or(&[][..], std::slice::from_ref) {
                    let [max_av, max_pr, max_ui] = *eq1_max;
                    let [max_ac, max_at] = *eq2_max;
                    let [max_vc, max_vi, max_va, max_cr, max_ir, max_ar] = *eq3_max;
                    let [max_sc, max_si, max_sa] = *eq4_max;
                    let distance =
                        |metric: &str, own: u8, max: u8| level(metric, own) - level(metric, max);
                    distances = Distances {
                        av: distance("AV", m.av, max_av),
                        pr: distance("PR", m.pr, max_pr),
                        ui: distance("UI", m.ui, max_ui),
                        ac: distance("AC", m.ac, max_ac),
                        at: distance("AT", m.at, max_at),
                        vc: distance("VC", m.vc, max_vc),
                        vi: distance("VI", m.vi, max_vi),
                        va: distance("VA", m.va, max_va),
                        sc: distance("SC", m.sc, max_sc),
                        si: distance("SI", m.si, max_si),
                        sa: distance("SA", m.sa, max_sa),
                        cr: distance("CR", m.cr, max_cr),
                        ir: distance("IR", m.ir, max_ir),
                        ar: distance("AR", m.ar, max_ar),
                    };
                    // EQ5's single highest vector is the vector's own `E`: no distance.
                    if distances.all_non_negative() {
                        break 'search;
                    }
                }
            }
        }
    }
    let d = distances;
    let current_eq1 = d.av + d.pr + d.ui;
    let current_eq2 = d.ac + d.at;
    let current_eq3_eq6 = d.vc + d.vi + d.va + d.cr + d.ir + d.ar;
    let current_eq4 = d.sc + d.si + d.sa;

    const STEP: f64 = 0.1;
    let depth_eq1 = EQ1_DEPTH.get(eq1).copied().unwrap_or(1.0) * STEP;
    let depth_eq2 = EQ2_DEPTH.get(eq2).copied().unwrap_or(1.0) * STEP;
    let depth_eq3_eq6 = EQ3_EQ6_DEPTH
        .get(eq3)
        .and_then(|by_eq6| by_eq6.get(eq6))
        .copied()
        .unwrap_or(1.0)
        * STEP;
    let depth_eq4 = EQ4_DEPTH.get(eq4).copied().unwrap_or(1.0) * STEP;

    // 1c-d. Each class with a lower macro-vector moves the score down by its share of the
    // available distance; 2. the mean over those classes; 3. subtracted and rounded.
    let mut existing_lower = 0u32;
    let mut proportional = |lower: Option<f64>, current: f64, depth: f64| -> f64 {
        match lower {
            Some(lower) => {
                existing_lower += 1;
                let available = value - lower;
                available * (current / depth)
            }
            None => 0.0,
        }
    };
    let normalized_eq1 = proportional(lower_eq1, current_eq1, depth_eq1);
    let normalized_eq2 = proportional(lower_eq2, current_eq2, depth_eq2);
    let normalized_eq3_eq6 = proportional(lower_eq3_eq6, current_eq3_eq6, depth_eq3_eq6);
    let normalized_eq4 = proportional(lower_eq4, current_eq4, depth_eq4);
    // EQ5's proportion is always 0, but a lower EQ5 macro-vector still counts in the mean.
    let normalized_eq5 = proportional(lower_eq5, 0.0, 1.0);
    let mean = if existing_lower == 0 {
        0.0
    } else {
        (normalized_eq1 + normalized_eq2 + normalized_eq3_eq6 + normalized_eq4 + normalized_eq5)
            / f64::from(existing_lower)
    };
    let score = (value - mean).clamp(0.0, 10.0);
    // Half up at one decimal, after lifting the value by 1e-6: the interpolation can land one
    // ULP below an x.x5 tie (5.6499999999999995 for 5.65), which a bare rounding would send
    // the wrong way. This is the reference calculator's fix (RedHatProductSecurity/
    // cvss-v4-calculator issue #66, pull request #67, 2024-11-01; FIRSTdotorg's
    // `cvss_score.js`), which Red Hat's Python `cvss` package applies as well. `f64::round`
    // rounds halves away from zero, as JavaScript's `Math.round` does for these non-negative
    // values.
    const EPSILON: f64 = 1e-6;
    Some(((score + EPSILON) * 10.0).round() / 10.0)
}
