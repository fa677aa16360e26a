set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'timeline_churn.png'
set title 'Memory over time: churn (1 thread, rep 1; RSS of the run''s process tree) - lower is better'
set xlabel 'time since start (ms)'
set ylabel 'RSS (MiB)'
set grid
set key outside right top
set yrange [0:*]
plot 'timeline_churn.dat' index 0 using 1:2 with linespoints pi 19 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1 title 'mpalloc', \
     'timeline_churn.dat' index 1 using 1:2 with linespoints pi 24 lc rgb '#a6761d' lw 2 pt 2 ps 1.3 dt (5,5) title 'mpalloc-mantissa_bits2-medium_mantissa_bits2-core_cache_bits21', \
     'timeline_churn.dat' index 2 using 1:2 with linespoints pi 22 lc rgb '#ee6677' lw 2 pt 10 ps 1.3 dt (14,3,3,3,3,3) title 'mpalloc-mantissa_bits3-medium_mantissa_bits3-core_cache_bits23', \
     'timeline_churn.dat' index 3 using 1:2 with linespoints pi 18 lc rgb '#a6761d' lw 2 pt 8 ps 1.3 dt (10,3) title 'mpalloc-mantissa_bits3-medium_mantissa_bits3-core_cache_bits21', \
     'timeline_churn.dat' index 4 using 1:2 with linespoints pi 18 lc rgb '#ee6677' lw 2 pt 6 ps 1.3 dt (10,3,3,3) title 'mpalloc-mantissa_bits2-medium_mantissa_bits2-core_cache_bits23', \
     'timeline_churn.dat' index 5 using 1:2 with linespoints pi 17 lc rgb '#004488' lw 2 pt 10 ps 1.3 dt (10,3) title 'mpalloc-mantissa_bits2-medium_mantissa_bits3-core_cache_bits23', \
     'timeline_churn.dat' index 6 using 1:2 with linespoints pi 18 lc rgb '#661100' lw 2 pt 8 ps 1.3 dt (5,5) title 'mpalloc-mantissa_bits3-medium_mantissa_bits2-core_cache_bits21', \
     'timeline_churn.dat' index 7 using 1:2 with linespoints pi 19 lc rgb '#e7298a' lw 2 pt 8 ps 1.3 dt (3,3) title 'mpalloc-mantissa_bits2-medium_mantissa_bits3-core_cache_bits21'
