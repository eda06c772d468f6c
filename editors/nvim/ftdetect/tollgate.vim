" Tollgate policies are `*.tg` files.
autocmd BufRead,BufNewFile *.tg setfiletype tollgate
