namespace FuncTasks.Benchmarks.Harness;

/// <summary>Order statistics and a paired bootstrap, enough to quote medians and their ratio honestly.</summary>
internal static class Statistics
{
    /// <summary>The q-quantile (0..1) with linear interpolation between order statistics (R's type 7).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = (sorted.Length - 1) * q;
        var low = (int)Math.Floor(position);
        var high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    public static double[] Sorted(IEnumerable<double> values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return copy;
    }

    public static double Median(IEnumerable<double> values) => Quantile(Sorted(values), 0.5);

    /// <summary>
    /// A 95% confidence interval of median(b) / median(a) by resampling whole rounds (a[i], b[i]
    /// together), which keeps the pairing: a round that hit a noisy moment counts for both sides.
    /// The seed is fixed so one data set always gives the same interval.
    /// </summary>
    public static (double Low, double High) BootstrapRatioOfMedians(double[] a, double[] b, int resamples = 2000)
    {
        var random = new Random(20240601);
        var n = a.Length;
        var ratios = new double[resamples];
        var ra = new double[n];
        var rb = new double[n];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < n; i++)
            {
                var pick = random.Next(n);
                ra[i] = a[pick];
                rb[i] = b[pick];
            }

            Array.Sort(ra);
            Array.Sort(rb);
            ratios[r] = Quantile(rb, 0.5) / Quantile(ra, 0.5);
        }

        Array.Sort(ratios);
        return (Quantile(ratios, 0.025), Quantile(ratios, 0.975));
    }
}
