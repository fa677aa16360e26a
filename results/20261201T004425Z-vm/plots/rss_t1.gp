set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'rss_t1.png'
set title 'Peak RSS per workload, normalised to glibc (1 thread; median ratio, error bars: 95% CI) - lower is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
names = "glibc jemalloc tcmalloc mimalloc mpalloc"
N = 5
set yrange [0:7.03324]
set ylabel "peak RSS / glibc's"
set bmargin 7
set xrange [-0.6:8.6]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set xtics nomirror rotate by 30 right
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
plot for [i=1:N] 'rss_t1.dat' using (column(3*i-1)):(column(3*i)):(column(3*i+1)):xtic(1) title word(names, i)
