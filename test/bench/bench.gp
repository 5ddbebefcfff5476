# bench.gp - the ukg_fdw benchmark chart (run by run_bench.sh)
#   gnuplot -e "dir='test/bench/out'; out='test/bench/out/bench.png'" test/bench/bench.gp
# Left: rows/s of each client at 0 ms (chart.tsv).  Right: count(*)
# speedup of prefetch N over prefetch 1 at 0 ms and 100 ms (prefetch.tsv).

if (!exists("dir")) dir = 'test/bench/out'
if (!exists("out")) out = dir.'/bench.png'
if (!exists("subtitle")) subtitle = ''
records = 0; small_page = 1000; big_page = 10000; reps = 1
load dir.'/meta.gp'

set terminal pngcairo size 1400,560 font "sans,10" noenhanced
set output out
set datafile separator "\t"
set multiplot layout 1,2 title "ukg_fdw benchmark ".subtitle

set title sprintf("%d person-details records, page_size %d, 0 ms per request: rows/s (median of %d)", records, big_page, reps)
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.8
set ylabel "rows/s"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set format y "%.0s%c"
set xtics rotate by -15 noenhanced
set grid ytics
unset key
plot dir.'/chart.tsv' using 2:xticlabels(1) skip 1 lc rgb "#3b75af" notitle, \
     '' using 0:2:(sprintf("%.0fk", $2/1000)) skip 1 with labels offset 0,0.8 notitle

set title sprintf("count(*), page_size %d (%d pages): speedup of prefetch N over prefetch 1", small_page, records / small_page)
set style data linespoints
set xlabel "prefetch"
set ylabel "speedup (x)"
set format y "%.1f"
set xtics norotate (1, 2, 4, 8)
set offsets 0, 0, 0, 0
set logscale x 2
set xrange [0.8:9.5]
set yrange [0:*]
set key top left
plot dir.'/prefetch.tsv' using ($1 == 0 ? $2 : 1/0):8 skip 1 lw 2 pt 7 title "0 ms per request", \
     dir.'/prefetch.tsv' using ($1 == 100 ? $2 : 1/0):8 skip 1 lw 2 pt 5 title "100 ms per request", \
     dir.'/prefetch.tsv' using ($1 == 100 ? $2 : 1/0):11 skip 1 lw 1 pt 4 dt 3 lc rgb "#2a9d8f" \
        title "100 ms, curl fetching only (-Z, N parallel)", \
     x lc rgb "gray" dt 2 title "ideal (= prefetch)"
unset multiplot
