set terminal pngcairo size 1200,600 noenhanced font ',10'
set output 'timeline_remote-random.png'
set title 'Memory over time: remote-random (1 thread, rep 1; RSS of the run''s process tree) - lower is better'
set xlabel 'time since start (ms)'
set ylabel 'RSS (MiB)'
set grid
set key outside right top
set yrange [0:*]
plot 'timeline_remote-random.dat' index 0 using 1:2 with linespoints pi 3 lc rgb '#6e6e6e' lw 2 pt 1 ps 1.3 dt (4,4) title 'glibc', \
     'timeline_remote-random.dat' index 1 using 1:2 with linespoints pi 2 lc rgb '#0072b2' lw 2 pt 5 ps 1.3 dt (8,4) title 'jemalloc', \
     'timeline_remote-random.dat' index 2 using 1:2 with linespoints pi 2 lc rgb '#e69f00' lw 2 pt 7 ps 1.3 dt (2,3) title 'tcmalloc', \
     'timeline_remote-random.dat' index 3 using 1:2 with linespoints pi 2 lc rgb '#aa4466' lw 2 pt 6 ps 1.3 dt (10,3,3,3) title 'snmalloc', \
     'timeline_remote-random.dat' index 4 using 1:2 with linespoints pi 2 lc rgb '#6699cc' lw 2 pt 12 ps 1.3 dt (10,3,3,3) title 'mimalloc-3.4.3', \
     'timeline_remote-random.dat' index 5 using 1:2 with linespoints pi 2 lc rgb '#d55e00' lw 3 pt 13 ps 1.3 dt 1 title 'mpalloc'
