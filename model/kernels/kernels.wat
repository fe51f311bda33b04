;; rectify's WebAssembly SIMD kernels: the inner loops of the sparse input layer and of Adam/SGD.
;;
;; Every pointer is a byte address in the imported (shared) memory; every count is in float32 elements.
;; The plain TypeScript twins of these functions are in reference.ts; kernels.test.ts checks that both agree.
;; After editing, regenerate wasm.ts:  node model/kernels/compile.mjs  (see that file's header).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; dst[0..H) = (assign ? 0 : dst[0..H)) + Σ_{q<n} src[offs[q] .. offs[q]+H)
  ;; offs: n int32 element offsets into src (binary inputs: every weight is 1).
  ;; dst is walked in chunks of 16 floats held in four registers while all n rows are added to them, so
  ;; dst is read and written once whatever n is.
  (func (export "sum_rows")
    (param $dst i32) (param $src i32) (param $offs i32) (param $n i32) (param $H i32) (param $assign i32)
    (local $j i32) (local $q i32) (local $p i32) (local $end16 i32) (local $end4 i32) (local $d i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $end16 (i32.and (local.get $H) (i32.const -16)))
    (local.set $end4 (i32.and (local.get $H) (i32.const -4)))
    ;; 16 floats at a time
    (block $done16
      (loop $next16
        (br_if $done16 (i32.ge_u (local.get $j) (local.get $end16)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0)))
          (else
            (local.set $a0 (v128.load offset=0 (local.get $d)))
            (local.set $a1 (v128.load offset=16 (local.get $d)))
            (local.set $a2 (v128.load offset=32 (local.get $d)))
            (local.set $a3 (v128.load offset=48 (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
            (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
            (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
            (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (v128.store offset=0 (local.get $d) (local.get $a0))
        (v128.store offset=16 (local.get $d) (local.get $a1))
        (v128.store offset=32 (local.get $d) (local.get $a2))
        (v128.store offset=48 (local.get $d) (local.get $a3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next16)))
    ;; 4 floats at a time
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $j) (local.get $end4)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then (local.set $a0 (v128.const i32x4 0 0 0 0)))
          (else (local.set $a0 (v128.load (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $p))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (v128.store (local.get $d) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next4)))
    ;; the last H mod 4 floats
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $j) (local.get $H)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then (local.set $s (f32.const 0)))
          (else (local.set $s (f32.load (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (f32.store (local.get $d) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next1))))

  ;; The same with a weight per row: dst (+)= Σ_q vals[q] · src[offs[q] ..), vals: n float32.
  (func (export "sum_rows_scaled")
    (param $dst i32) (param $src i32) (param $offs i32) (param $vals i32) (param $n i32) (param $H i32) (param $assign i32)
    (local $j i32) (local $q i32) (local $p i32) (local $end16 i32) (local $end4 i32) (local $d i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $c v128) (local $s f32)
    (local.set $end16 (i32.and (local.get $H) (i32.const -16)))
    (local.set $end4 (i32.and (local.get $H) (i32.const -4)))
    (block $done16
      (loop $next16
        (br_if $done16 (i32.ge_u (local.get $j) (local.get $end16)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0)))
          (else
            (local.set $a0 (v128.load offset=0 (local.get $d)))
            (local.set $a1 (v128.load offset=16 (local.get $d)))
            (local.set $a2 (v128.load offset=32 (local.get $d)))
            (local.set $a3 (v128.load offset=48 (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $c (v128.load32_splat (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2)))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $c) (v128.load offset=0 (local.get $p)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $c) (v128.load offset=16 (local.get $p)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $c) (v128.load offset=32 (local.get $p)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $c) (v128.load offset=48 (local.get $p)))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (v128.store offset=0 (local.get $d) (local.get $a0))
        (v128.store offset=16 (local.get $d) (local.get $a1))
        (v128.store offset=32 (local.get $d) (local.get $a2))
        (v128.store offset=48 (local.get $d) (local.get $a3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next16)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $j) (local.get $end4)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then (local.set $a0 (v128.const i32x4 0 0 0 0)))
          (else (local.set $a0 (v128.load (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $c (v128.load32_splat (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2)))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $c) (v128.load (local.get $p)))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (v128.store (local.get $d) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next4)))
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $j) (local.get $H)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $assign)
          (then (local.set $s (f32.const 0)))
          (else (local.set $s (f32.load (local.get $d)))))
        (local.set $q (i32.const 0))
        (block $doneq
          (loop $nextq
            (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
            (local.set $p (i32.add (local.get $src)
              (i32.shl (i32.add (i32.load (i32.add (local.get $offs) (i32.shl (local.get $q) (i32.const 2)))) (local.get $j)) (i32.const 2))))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2)))) (f32.load (local.get $p)))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $nextq)))
        (f32.store (local.get $d) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next1))))

  ;; Adam over n elements, bias correction folded into $a and $eps by the caller:
  ;;   m = b1·m + c1·g;  v = b2·v + c2·g²;  p -= a·m / (√v + eps)      (c1 = 1 − b1, c2 = 1 − b2)
  (func $adam (export "adam")
    (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $a f32) (param $eps f32)
    (local $i i32) (local $end4 i32) (local $end i32)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $va v128) (local $veps v128)
    (local $gg v128) (local $mm v128) (local $vv v128)
    (local $sg f32) (local $sm f32) (local $sv f32)
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $va (f32x4.splat (local.get $a)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $gg (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $mm (f32x4.add
          (f32x4.mul (local.get $vb1) (v128.load (i32.add (local.get $m) (local.get $i))))
          (f32x4.mul (local.get $vc1) (local.get $gg))))
        (local.set $vv (f32x4.add
          (f32x4.mul (local.get $vb2) (v128.load (i32.add (local.get $v) (local.get $i))))
          (f32x4.mul (local.get $vc2) (f32x4.mul (local.get $gg) (local.get $gg)))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mm))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
            (f32x4.div (f32x4.mul (local.get $va) (local.get $mm))
                       (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $veps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next4)))
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $sg (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $sm (f32.add
          (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $i))))
          (f32.mul (local.get $c1) (local.get $sg))))
        (local.set $sv (f32.add
          (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $i))))
          (f32.mul (local.get $c2) (f32.mul (local.get $sg) (local.get $sg)))))
        (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $sm))
        (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $sv))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $p) (local.get $i)))
            (f32.div (f32.mul (local.get $a) (local.get $sm))
                     (f32.add (f32.sqrt (local.get $sv)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next1))))

  ;; The sampled reconstruction of the input autoencoder. Row t of R holds [R_t (H floats), c_t] (stride W).
  ;; z[q] = R[t_q·W + H] + Σ_{k<H} R[t_q·W + k] · h[k]     for q < n   (targets: n int32 term ids)
  (func (export "decode_logits")
    (param $z i32) (param $R i32) (param $W i32) (param $targets i32) (param $n i32) (param $h i32) (param $H i32)
    (local $q i32) (local $row i32) (local $k i32) (local $end8 i32) (local $end4 i32)
    (local $a0 v128) (local $a1 v128) (local $s f32)
    (local.set $end8 (i32.shl (i32.and (local.get $H) (i32.const -8)) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $H) (i32.const -4)) (i32.const 2)))
    (block $doneq
      (loop $nextq
        (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
        (local.set $row (i32.add (local.get $R)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $targets) (i32.shl (local.get $q) (i32.const 2)))) (local.get $W)) (i32.const 2))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $done8
          (loop $next8
            (br_if $done8 (i32.ge_u (local.get $k) (local.get $end8)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $h) (local.get $k))))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $k))) (v128.load offset=16 (i32.add (local.get $h) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 32)))
            (br $next8)))
        (block $done4
          (loop $next4
            (br_if $done4 (i32.ge_u (local.get $k) (local.get $end4)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $h) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $next4)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
          (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (block $done1
          (loop $next1
            (br_if $done1 (i32.ge_u (local.get $k) (i32.shl (local.get $H) (i32.const 2))))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $row) (local.get $k))) (f32.load (i32.add (local.get $h) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $next1)))
        (f32.store (i32.add (local.get $z) (i32.shl (local.get $q) (i32.const 2)))
          (f32.add (local.get $s) (f32.load (i32.add (local.get $row) (i32.shl (local.get $H) (i32.const 2))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $nextq))))

  ;; Its gradient, for q < n with dz_q = dz[q]:
  ;;   dh[k] += dz_q · R[t_q·W + k],   G[s_q·W + k] += dz_q · h[k]   (k < H),   G[s_q·W + H] += dz_q
  ;; (slots: n int32 rows of the row gradient G, same stride W).
  (func (export "decode_backward")
    (param $dh i32) (param $G i32) (param $slots i32) (param $R i32) (param $W i32) (param $targets i32)
    (param $dz i32) (param $n i32) (param $h i32) (param $H i32)
    (local $q i32) (local $row i32) (local $grow i32) (local $k i32) (local $end4 i32) (local $end i32)
    (local $c v128) (local $sc f32) (local $p i32)
    (local.set $end4 (i32.shl (i32.and (local.get $H) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $H) (i32.const 2)))
    (block $doneq
      (loop $nextq
        (br_if $doneq (i32.ge_u (local.get $q) (local.get $n)))
        (local.set $row (i32.add (local.get $R)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $targets) (i32.shl (local.get $q) (i32.const 2)))) (local.get $W)) (i32.const 2))))
        (local.set $grow (i32.add (local.get $G)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $slots) (i32.shl (local.get $q) (i32.const 2)))) (local.get $W)) (i32.const 2))))
        (local.set $sc (f32.load (i32.add (local.get $dz) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $c (f32x4.splat (local.get $sc)))
        (local.set $k (i32.const 0))
        (block $done4
          (loop $next4
            (br_if $done4 (i32.ge_u (local.get $k) (local.get $end4)))
            (local.set $p (i32.add (local.get $dh) (local.get $k)))
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p))
              (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $row) (local.get $k))))))
            (local.set $p (i32.add (local.get $grow) (local.get $k)))
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p))
              (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $h) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $next4)))
        (block $done1
          (loop $next1
            (br_if $done1 (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $p (i32.add (local.get $dh) (local.get $k)))
            (f32.store (local.get $p) (f32.add (f32.load (local.get $p))
              (f32.mul (local.get $sc) (f32.load (i32.add (local.get $row) (local.get $k))))))
            (local.set $p (i32.add (local.get $grow) (local.get $k)))
            (f32.store (local.get $p) (f32.add (f32.load (local.get $p))
              (f32.mul (local.get $sc) (f32.load (i32.add (local.get $h) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $next1)))
        (local.set $p (i32.add (local.get $grow) (local.get $end)))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $sc)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $nextq))))

  ;; Adam on the rows of a [rows, width] matrix listed in rows[0 .. count) (int32 ids): row rows[i] of p, m
  ;; and v with row i of the row gradient g.
  (func (export "adam_rows")
    (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $rows i32) (param $count i32) (param $width i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $a f32) (param $eps f32)
    (local $i i32) (local $off i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $off (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes)))
        (call $adam
          (i32.add (local.get $p) (local.get $off)) (i32.add (local.get $m) (local.get $off)) (i32.add (local.get $v) (local.get $off))
          (i32.add (local.get $g) (i32.mul (local.get $i) (local.get $rowBytes))) (local.get $width)
          (local.get $b1) (local.get $c1) (local.get $b2) (local.get $c2) (local.get $a) (local.get $eps))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Plain SGD over n elements: p -= lr · g
  (func (export "sgd") (param $p i32) (param $g i32) (param $n i32) (param $lr f32)
    (local $i i32) (local $end4 i32) (local $end i32) (local $vlr v128)
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
            (f32x4.mul (local.get $vlr) (v128.load (i32.add (local.get $g) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next4)))
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $p) (local.get $i)))
            (f32.mul (local.get $lr) (f32.load (i32.add (local.get $g) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next1)))))
