set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'time_t1.png'
set title 'Wall time per workload (1 thread; no baseline runs, so medians are shown; error bars: 95% CI) - lower is better'
set datafile missing '?'
set grid ytics lc rgb '#dddddd'
set key outside right top
set linetype 1 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1
set linetype 2 lc rgb '#228833' lw 2 pt 8 ps 1.3 dt (10,3)
set linetype 3 lc rgb '#ee6677' lw 2 pt 2 ps 1.3 dt (5,5)
set linetype 4 lc rgb '#ddaa33' lw 2 pt 10 ps 1.3 dt (5,5)
set linetype 5 lc rgb '#88ccee' lw 2 pt 2 ps 1.3 dt (5,5)
set linetype 6 lc rgb '#a6761d' lw 2 pt 6 ps 1.3 dt (14,3,3,3,3,3)
set linetype 7 lc rgb '#228833' lw 2 pt 8 ps 1.3 dt (10,3)
set linetype 8 lc rgb '#a6761d' lw 2 pt 6 ps 1.3 dt (10,3)
set linetype 9 lc rgb '#ee6677' lw 2 pt 8 ps 1.3 dt (10,3,3,3)
names = "mpalloc mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits6 mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits3 mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits6 mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits3 mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits3 mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits6 mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits3 mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits6"
N = 9
set yrange [0:9.04176]
set ylabel "Wall time (s)"
set bmargin 7
set xrange [-0.6:9.6]
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set xtics nomirror rotate by 30 right
plot 'time_t1.dat' using 2:3:4:xtic(1) lc rgb '#d55e00' fs solid 0.9 border lc rgb '#000000' title 'mpalloc', \
     '' using 5:6:7 lc rgb '#228833' fs pattern 5 border lc rgb '#228833' title 'mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits6', \
     '' using 8:9:10 lc rgb '#ee6677' fs pattern 0 border lc rgb '#ee6677' title 'mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits3', \
     '' using 11:12:13 lc rgb '#ddaa33' fs pattern 0 border lc rgb '#ddaa33' title 'mpalloc-mantissa_bits2-core_cache_bits21-large_slack_bits6', \
     '' using 14:15:16 lc rgb '#88ccee' fs pattern 5 border lc rgb '#88ccee' title 'mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits3', \
     '' using 17:18:19 lc rgb '#a6761d' fs solid 0.65 border lc rgb '#000000' title 'mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits3', \
     '' using 20:21:22 lc rgb '#228833' fs solid 0.65 border lc rgb '#000000' title 'mpalloc-mantissa_bits3-core_cache_bits23-large_slack_bits6', \
     '' using 23:24:25 lc rgb '#a6761d' fs pattern 5 border lc rgb '#a6761d' title 'mpalloc-mantissa_bits3-core_cache_bits21-large_slack_bits3', \
     '' using 26:27:28 lc rgb '#ee6677' fs pattern 5 border lc rgb '#ee6677' title 'mpalloc-mantissa_bits2-core_cache_bits23-large_slack_bits6'
