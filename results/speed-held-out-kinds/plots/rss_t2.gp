set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'rss_t2.png'
set title 'Peak RSS per workload, normalised to glibc (2 threads; median ratio, error bars: 95% CI) - lower is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
set linetype 1 lc rgb '#6e6e6e' lw 2 pt 1 ps 1.3 dt (4,4)
set linetype 2 lc rgb '#0072b2' lw 2 pt 5 ps 1.3 dt (8,4)
set linetype 3 lc rgb '#e69f00' lw 2 pt 7 ps 1.3 dt (2,3)
set linetype 4 lc rgb '#aa4466' lw 2 pt 6 ps 1.3 dt (10,3,3,3)
set linetype 5 lc rgb '#6699cc' lw 2 pt 12 ps 1.3 dt (10,3,3,3)
set linetype 6 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1
names = "glibc jemalloc tcmalloc snmalloc mimalloc-3.4.3 mpalloc"
N = 6
set logscale y
set yrange [0.0437927:13.2837]
set ylabel "peak RSS / glibc's"
set bmargin 7
set xrange [-0.6:4.6]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set xtics nomirror rotate by 30 right
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb 'black'
plot 'rss_t2.dat' using 2:3:4:xtic(1) lc rgb '#6e6e6e' fs solid 0.45 border lc rgb '#000000' title 'glibc', \
     '' using 5:6:7 lc rgb '#0072b2' fs pattern 4 border lc rgb '#0072b2' title 'jemalloc', \
     '' using 8:9:10 lc rgb '#e69f00' fs pattern 5 border lc rgb '#e69f00' title 'tcmalloc', \
     '' using 11:12:13 lc rgb '#aa4466' fs pattern 7 border lc rgb '#aa4466' title 'snmalloc', \
     '' using 14:15:16 lc rgb '#6699cc' fs pattern 2 border lc rgb '#6699cc' title 'mimalloc-3.4.3', \
     '' using 17:18:19 lc rgb '#d55e00' fs solid 0.9 border lc rgb '#000000' title 'mpalloc'
