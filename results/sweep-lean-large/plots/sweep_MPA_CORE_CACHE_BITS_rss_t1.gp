set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_MPA_CORE_CACHE_BITS_rss_t1.png'
set title 'Peak RSS (KiB) / default build vs MPA_CORE_CACHE_BITS, 1 thread(s) (geomean over the other tunables)'
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_CORE_CACHE_BITS'
set ylabel 'ratio to default (lower is better)'
set xtics ('21' 21, '23' 23)
set xrange [20.5:23.5]
plot 1 title 'default build (mpalloc)' lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1, 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:2:3:4 with yerrorlines lw 2 lc rgb '#222222' pt 1 dt 1 title 'class-waste', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:5:6:7 with yerrorlines lw 2 lc rgb '#777777' pt 2 dt 2 title 'sliding-window', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:8:9:10 with yerrorlines lw 2 lc rgb '#222222' pt 3 dt 3 title 'sqlite', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:11:12:13 with yerrorlines lw 2 lc rgb '#777777' pt 4 dt 4 title 'python', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:14:15:16 with yerrorlines lw 2 lc rgb '#222222' pt 5 dt 5 title 'mixed', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:17:18:19 with yerrorlines lw 2 lc rgb '#777777' pt 6 dt 1 title 'mixed-sizes', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:20:21:22 with yerrorlines lw 2 lc rgb '#222222' pt 7 dt 2 title 'realloc', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:23:24:25 with yerrorlines lw 2 lc rgb '#777777' pt 8 dt 3 title 'churn', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:26:27:28 with yerrorlines lw 2 lc rgb '#222222' pt 9 dt 4 title 'pairs', 'sweep_MPA_CORE_CACHE_BITS_rss_t1.dat' using 1:29:30:31 with yerrorlines lw 2 lc rgb '#777777' pt 10 dt 5 title 'frag'
