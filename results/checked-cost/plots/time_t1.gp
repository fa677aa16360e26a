set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'time_t1.png'
set title "Wall time per workload (1 thread; no glibc runs, so medians are shown; error bars: 95% CI) - lower is better"
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "mpalloc mpalloc-checked"
N = 2
set logscale y
set yrange [0.0458747:1.77643]
set ylabel "Wall time (s)"
set bmargin 7
set xrange [-0.6:14.6]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set xtics nomirror rotate by 30 right
plot for [i=1:N] 'time_t1.dat' using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(names, i)
