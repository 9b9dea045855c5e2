//! A small, portable pseudo-random generator (SplitMix64) and the integer helpers the generator
//! draws with. Only integer arithmetic: the same seed gives the same stream on every platform.

/// The SplitMix64 finaliser: a good 64-bit mixing function.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, trivially portable.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// An independent stream for `(seed, stream, index)`, e.g. one per student, so that a student
    /// does not depend on how many numbers the previous one drew.
    pub(crate) fn derive(seed: u64, stream: u64, index: u64) -> Self {
        let a = mix64(seed ^ 0x5851_F42D_4C95_7F2D);
        let b = mix64(a ^ stream.wrapping_mul(GOLDEN));
        Rng(mix64(b ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-40 for our `n`). 0 if `n` is 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi` (returns `lo` if `hi < lo`).
    pub(crate) fn range(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        let span = (i64::from(hi) - i64::from(lo) + 1) as usize;
        (i64::from(lo) + self.below(span) as i64) as i32
    }

    /// True with probability `per_10k / 10_000`.
    pub(crate) fn chance(&mut self, per_10k: u32) -> bool {
        (self.below(10_000) as u32) < per_10k
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// One item of `(item, weight)` pairs, drawn by weight (at least one weight must be positive).
    pub(crate) fn pick_weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total as usize) as u64;
        for (item, w) in items {
            if x < u64::from(*w) {
                return *item;
            }
            x -= u64::from(*w);
        }
        items[items.len() - 1].0
    }

    /// An index drawn with the given integer weights (at least one must be positive).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total as usize) as u64;
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }
}

/// Cumulative weights for fast repeated weighted draws from a long, fixed table.
#[derive(Debug, Clone)]
pub(crate) struct Cumulative(Vec<u64>);

impl Cumulative {
    /// Builds the table from the weights.
    pub(crate) fn new(weights: impl IntoIterator<Item = u32>) -> Self {
        let mut acc = 0u64;
        Cumulative(
            weights
                .into_iter()
                .map(|w| {
                    acc += u64::from(w);
                    acc
                })
                .collect(),
        )
    }

    /// An index drawn with the weights of the table.
    pub(crate) fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0);
        let x = rng.below(total as usize) as u64;
        self.0
            .partition_point(|&c| c <= x)
            .min(self.0.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_fixed() {
        // Reference values of SplitMix64 seeded with 0 (the published test vector of the algorithm).
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn helpers_stay_in_range() {
        let mut r = Rng::derive(7, 1, 2);
        for _ in 0..10_000 {
            assert!(r.below(13) < 13);
            let x = r.range(-3, 4);
            assert!((-3..=4).contains(&x));
            assert_eq!(r.weighted(&[0, 5, 0]), 1);
        }
        let c = Cumulative::new([0, 3, 0, 1]);
        let mut seen = [0usize; 4];
        for _ in 0..4_000 {
            seen[c.draw(&mut r)] += 1;
        }
        assert_eq!(seen[0] + seen[2], 0);
        assert!(seen[1] > 2 * seen[3]);
    }
}
