//! The map's view: where a point is drawn on a canvas of a given size at a zoom and centre,
//! and which point is under the pointer. Plain arithmetic, so it is tested natively.

/// A zoom (1: every point fits, with a margin) and the data point at the canvas's centre
/// (`None`: the middle of the points).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub zoom: f64,
    pub centre: Option<[f64; 2]>,
}

impl Default for View {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            centre: None,
        }
    }
}

/// The canvas's share the points fill at zoom 1 (a margin for the dots at the edges).
const FILL: f64 = 0.9;

/// Data to canvas and back for `points` on a `width x height` canvas.
pub struct Frame {
    scale: f64,
    centre: [f64; 2],
    half: [f64; 2],
}

impl Frame {
    pub fn new(points: &[[f32; 2]], view: View, width: f64, height: f64) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k] as f64);
                hi[k] = hi[k].max(p[k] as f64);
            }
        }
        if points.is_empty() {
            (lo, hi) = ([-1.0; 2], [1.0; 2]);
        }
        let span = |k: usize| (hi[k] - lo[k]).max(1e-9);
        let scale = (width / span(0)).min(height / span(1)) * FILL * view.zoom;
        let middle = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        Self {
            scale,
            centre: view.centre.unwrap_or(middle),
            half: [width / 2.0, height / 2.0],
        }
    }

    /// Where a data point is drawn (y grows downwards on a canvas, upwards in the data).
    pub fn to_canvas(&self, p: [f32; 2]) -> [f64; 2] {
        [
            self.half[0] + (p[0] as f64 - self.centre[0]) * self.scale,
            self.half[1] - (p[1] as f64 - self.centre[1]) * self.scale,
        ]
    }

    /// The data point drawn at canvas position `at`.
    pub fn to_data(&self, at: [f64; 2]) -> [f64; 2] {
        [
            self.centre[0] + (at[0] - self.half[0]) / self.scale,
            self.centre[1] - (at[1] - self.half[1]) / self.scale,
        ]
    }

    /// The view zoomed by `factor` about canvas position `at` (what is under it stays).
    pub fn zoomed(&self, view: View, factor: f64, at: [f64; 2]) -> View {
        let under = self.to_data(at);
        let zoom = (view.zoom * factor).clamp(0.5, 200.0);
        let scale = self.scale * zoom / view.zoom;
        View {
            zoom,
            centre: Some([
                under[0] - (at[0] - self.half[0]) / scale,
                under[1] + (at[1] - self.half[1]) / scale,
            ]),
        }
    }

    /// The view moved by a drag of `by` canvas pixels.
    pub fn panned(&self, view: View, by: [f64; 2]) -> View {
        View {
            zoom: view.zoom,
            centre: Some([
                self.centre[0] - by[0] / self.scale,
                self.centre[1] + by[1] / self.scale,
            ]),
        }
    }

    /// The point drawn nearest `at`, if one is within `radius` pixels.
    pub fn nearest(&self, points: &[[f32; 2]], at: [f64; 2], radius: f64) -> Option<usize> {
        let distance = |p: &[f32; 2]| {
            let q = self.to_canvas(*p);
            (q[0] - at[0]).powi(2) + (q[1] - at[1]).powi(2)
        };
        (0..points.len())
            .map(|i| (i, distance(&points[i])))
            .filter(|(_, d)| *d <= radius * radius)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_fit_the_canvas_and_the_pointer_finds_them() {
        // Spans 4 x 2 on a 100 x 100 canvas: scale 100 / 4 * 0.9 = 22.5 about (1, 0).
        let points = [[-1.0, -1.0], [3.0, 1.0], [1.0, 0.0]];
        let frame = Frame::new(&points, View::default(), 100.0, 100.0);
        assert_eq!(frame.to_canvas(points[2]), [50.0, 50.0]);
        assert_eq!(frame.to_canvas(points[1]), [95.0, 27.5]);
        assert_eq!(frame.to_data([95.0, 27.5]), [3.0, 1.0]);
        assert_eq!(frame.nearest(&points, [93.0, 29.0], 4.0), Some(1));
        assert_eq!(frame.nearest(&points, [70.0, 70.0], 4.0), None);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer_and_a_drag_moves_the_view() {
        let points = [[-1.0, -1.0], [3.0, 1.0], [1.0, 0.0]];
        let frame = Frame::new(&points, View::default(), 100.0, 100.0);
        let view = frame.zoomed(View::default(), 2.0, [95.0, 27.5]);
        let after = Frame::new(&points, view, 100.0, 100.0);
        let at = after.to_canvas(points[1]);
        assert!(
            (at[0] - 95.0).abs() < 1e-9 && (at[1] - 27.5).abs() < 1e-9,
            "{at:?}"
        );
        let moved = after.panned(view, [10.0, -5.0]);
        let shifted = Frame::new(&points, moved, 100.0, 100.0).to_canvas(points[1]);
        assert!((shifted[0] - 105.0).abs() < 1e-9 && (shifted[1] - 22.5).abs() < 1e-9);
    }
}
