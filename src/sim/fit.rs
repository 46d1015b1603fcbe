//! Logistic regression of an outcome on one value (by iteratively reweighted least squares), and
//! the values at which the fitted rate meets a target, with a Fieller-style 95 % interval.

/// One probe's data: the value, encounters with the outcome, encounters.
pub type Obs = (f64, u64, u64);

/// `logit p = a + b·(x − centre) / scale`, with the covariance of (a, b).
#[derive(Debug, Clone, Copy)]
pub struct Logistic {
    pub a: f64,
    pub b: f64,
    /// Var(a), Cov(a, b), Var(b).
    pub cov: [f64; 3],
    pub centre: f64,
    pub scale: f64,
}

const Z95: f64 = 1.959_963_984_540_054;

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// The maximum-likelihood fit, or `None` when there is none (fewer than two values, or the
/// outcome separates perfectly so the slope runs off to infinity).
pub fn fit(obs: &[Obs]) -> Option<Logistic> {
    let n: f64 = obs.iter().map(|o| o.2 as f64).sum();
    let centre = obs.iter().map(|o| o.0 * o.2 as f64).sum::<f64>() / n;
    let scale = obs.iter().map(|o| (o.0 - centre).abs()).fold(0.0, f64::max);
    if n == 0.0 || scale == 0.0 {
        return None;
    }
    let (mut a, mut b) = (0.0, 0.0);
    for _ in 0..100 {
        // Newton's step: the gradient and the information matrix of the log likelihood.
        let (mut g, mut h) = ([0.0; 2], [0.0; 3]);
        for &(x, k, m) in obs {
            let z = (x - centre) / scale;
            let p = 1.0 / (1.0 + (-(a + b * z)).exp());
            let (m, k) = (m as f64, k as f64);
            let w = m * p * (1.0 - p);
            g[0] += k - m * p;
            g[1] += (k - m * p) * z;
            h[0] += w;
            h[1] += w * z;
            h[2] += w * z * z;
        }
        let det = h[0] * h[2] - h[1] * h[1];
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let da = (h[2] * g[0] - h[1] * g[1]) / det;
        let db = (h[0] * g[1] - h[1] * g[0]) / det;
        a += da;
        b += db;
        if b.abs() > 60.0 || !a.is_finite() {
            return None;
        }
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            let cov = [h[2] / det, -h[1] / det, h[0] / det];
            return Some(Logistic {
                a,
                b,
                cov,
                centre,
                scale,
            });
        }
    }
    None
}

impl Logistic {
    pub fn rate(&self, x: f64) -> f64 {
        let z = (x - self.centre) / self.scale;
        1.0 / (1.0 + (-(self.a + self.b * z)).exp())
    }

    /// The value where the fitted rate is `p`.
    pub fn invert(&self, p: f64) -> Option<f64> {
        (self.b.abs() > 1e-12).then(|| self.centre + self.scale * (logit(p) - self.a) / self.b)
    }

    /// Whether `p` lies within the fitted curve's 95 % pointwise interval at `x` (on the logit
    /// scale); the values where it does form the Fieller interval of the crossing.
    pub fn covers(&self, x: f64, p: f64) -> bool {
        let z = (x - self.centre) / self.scale;
        let var = self.cov[0] + 2.0 * z * self.cov[1] + z * z * self.cov[2];
        let gap = self.a + self.b * z - logit(p);
        gap * gap <= Z95 * Z95 * var.max(0.0)
    }

    /// The smallest and largest values within `lo..=hi` (scanned finely) whose interval covers
    /// `p`.
    pub fn crossing_interval(&self, p: f64, lo: f64, hi: f64) -> Option<[f64; 2]> {
        let steps = 4000;
        let inside: Vec<f64> = (0..=steps)
            .map(|i| lo + (hi - lo) * i as f64 / steps as f64)
            .filter(|x| self.covers(*x, p))
            .collect();
        Some([*inside.first()?, *inside.last()?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_curve_is_recovered_and_separation_is_refused() {
        // p = 1 / (1 + e^−(x − 5)), observed exactly at a few values.
        let obs: Vec<Obs> = [3.0, 4.0, 5.0, 6.0, 7.0]
            .into_iter()
            .map(|x: f64| {
                let p = 1.0 / (1.0 + (-(x - 5.0)).exp());
                (x, (p * 1e6).round() as u64, 1_000_000)
            })
            .collect();
        let f = fit(&obs).unwrap();
        assert!((f.invert(0.5).unwrap() - 5.0).abs() < 1e-3);
        let [lo, hi] = f.crossing_interval(0.5, 3.0, 7.0).unwrap();
        assert!(lo < 5.0 && 5.0 < hi && hi - lo < 0.1, "{lo} {hi}");
        assert!(fit(&[(1.0, 0, 100), (2.0, 100, 100)]).is_none());
        assert!(fit(&[(1.0, 10, 100)]).is_none());
    }
}
