using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace AtomicLru.Benchmarks.SideBySide;

/// <summary>What the harness prints (Markdown on standard output) and the chart it draws from the same figures.</summary>
internal static class Report
{
    private static readonly List<(string Metric, string Candidate, double Score)> Points = [];

    internal static void Line(string text = "") => Console.WriteLine(text);

    internal static string F(double value, int decimals = 1) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    internal static string Ratio(double value) => F(value, 2) + "×";

    internal static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Measures every candidate once per round, the order reversed every other round, and keeps every sample:
    /// drift of the machine (other tenants, frequency, the heap) falls on all candidates alike, and the ratios
    /// the tables print are taken round by round (see <see cref="Interleaved.Ratio"/>). A first round, not
    /// counted, lets the JIT finish compiling every candidate's paths.
    /// </summary>
    internal static Interleaved Interleave(IReadOnlyList<string> names, int rounds, Func<string, double> measure)
    {
        var samples = names.ToDictionary(n => n, _ => new List<double>());
        for (int round = -1; round < rounds; round++)
        {
            foreach (string name in round % 2 == 0 ? names.Reverse() : names)
            {
                double sample = measure(name);
                if (round >= 0)
                {
                    samples[name].Add(sample);
                }
            }
        }

        return new Interleaved(samples);
    }

    /// <summary>Adds a bar to the chart: a candidate's figure relative to BitFaster ConcurrentLru's, higher is better.</summary>
    internal static void Chart(string metric, string candidate, double score) => Points.Add((metric, candidate, score));

    /// <summary>Writes the chart: one group of bars per metric, one bar per candidate, BitFaster = 1.</summary>
    internal static void WriteSvg(string path, string subtitle)
    {
        string[] metrics = Points.Select(p => p.Metric).Distinct().ToArray();
        string[] candidates = Points.Select(p => p.Candidate).Distinct().ToArray();
        string[] colors = ["#9e9e9e", "#6d8fb3", "#e0a030", "#b05050", "#2e8b57", "#7b68ee"];
        const int left = 230, barHeight = 12, gap = 10, width = 860, right = 40;
        double max = Math.Max(2.0, Math.Ceiling(Points.Max(p => p.Score) * 2) / 2);
        int groupHeight = (candidates.Length * barHeight) + gap;
        int top = 60, height = top + (metrics.Length * groupHeight) + 40 + (candidates.Length * 18);
        double scale = (width - left - right) / max;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">Relative to BitFaster ConcurrentLru (higher is better)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"42\" fill=\"#555\">{Escape(subtitle)}</text>\n");
        for (double tick = 0; tick <= max + 1e-9; tick += 0.5)
        {
            double x = left + (tick * scale);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{top - 6}\" x2=\"{x:F1}\" y2=\"{top + (metrics.Length * groupHeight)}\" stroke=\"{(Math.Abs(tick - 1) < 1e-9 ? "#333" : "#ddd")}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{top - 10}\" text-anchor=\"middle\" fill=\"#555\">{tick:0.0}×</text>\n");
        }

        for (int m = 0; m < metrics.Length; m++)
        {
            int y0 = top + (m * groupHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y0 + (candidates.Length * barHeight / 2) + 4}\" text-anchor=\"end\">{Escape(metrics[m])}</text>\n");
            for (int c = 0; c < candidates.Length; c++)
            {
                var point = Points.FirstOrDefault(p => p.Metric == metrics[m] && p.Candidate == candidates[c]);
                if (point.Candidate is null)
                {
                    continue;
                }

                int y = y0 + (c * barHeight);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y}\" width=\"{point.Score * scale:F1}\" height=\"{barHeight - 2}\" fill=\"{colors[c % colors.Length]}\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (point.Score * scale) + 4:F1}\" y=\"{y + barHeight - 3}\" font-size=\"10\" fill=\"#333\">{point.Score:F2}</text>\n");
            }
        }

        int legendY = top + (metrics.Length * groupHeight) + 24;
        for (int c = 0; c < candidates.Length; c++)
        {
            int y = legendY + (c * 18);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y - 10}\" width=\"12\" height=\"12\" fill=\"{colors[c % colors.Length]}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + 18}\" y=\"{y}\">{Escape(candidates[c])}</text>\n");
        }

        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}

/// <summary>The samples of candidates measured round by round: medians, and ratios paired within rounds.</summary>
internal sealed class Interleaved(Dictionary<string, List<double>> samples)
{
    /// <summary>The candidate's median sample.</summary>
    internal double this[string name] => Report.Median(samples[name]);

    /// <summary>
    /// The median, over rounds, of <paramref name="a"/>'s sample divided by <paramref name="b"/>'s in the same
    /// round. On a machine whose speed drifts between rounds (this VM's does by up to a third), a ratio of
    /// medians mixes rounds run at different speeds; a ratio within a round compares like with like.
    /// </summary>
    internal double Ratio(string a, string b) => Report.Median(samples[a].Zip(samples[b], (x, y) => x / y));
}
