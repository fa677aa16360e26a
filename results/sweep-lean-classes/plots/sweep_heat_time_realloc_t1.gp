set terminal pngcairo size 1100,650 noenhanced font ',10'
set output 'sweep_heat_time_realloc_t1.png'
set title 'realloc: Wall time (s) / default build, 1 thread(s)'
set datafile missing '?'
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'MPA_MANTISSA_BITS'
set ylabel 'MPA_MEDIUM_MANTISSA_BITS'
set palette defined (0 '#1a9850', 1 '#ffffbf', 2 '#d73027')
set cbrange [*:*]
set xtics ('2' 0, '3' 1)
set ytics ('2' 0, '3' 1)
set xrange [-0.5:1.5]
set yrange [-0.5:1.5]
unset grid
plot 'sweep_heat_time_realloc_t1.dat' using 1:2:3 with image notitle, '' using 1:2:(sprintf('%.3f', $3)) with labels notitle
