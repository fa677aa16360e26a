set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'rss_t2.png'
set title "Peak RSS per workload (2 threads; no glibc runs, so medians are shown; error bars: 95% CI) - lower is better"
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "mpalloc mpalloc-checked"
N = 2
set logscale y
set yrange [1138.67:871242]
set ylabel "Peak RSS (KiB)"
set bmargin 7
set xrange [-0.6:14.6]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set xtics nomirror rotate by 30 right
plot for [i=1:N] 'rss_t2.dat' using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(names, i)
