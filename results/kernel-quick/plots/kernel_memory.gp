set terminal pngcairo size 900,560 noenhanced
set output 'kernel_memory.png'
set title 'Memory after mixed-size churn, 2 CPU(s): bytes held per byte live'
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set grid y
set ylabel 'resident arena bytes / live bytes'
plot 'kernel_memory.dat' using 0:2:xtic(1) with boxes notitle
