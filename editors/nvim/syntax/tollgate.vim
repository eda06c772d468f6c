" Syntax highlighting for Tollgate policies (`*.tg`). A minimal, regex-based grammar: the language
" server's semantic tokens refine it where the client asks for them.
if exists('b:current_syntax')
  finish
endif

syntax case match

" Keywords: the reserved words of grammar/tollgate.pest.
syntax keyword tollgateRuleAction deny warn info
syntax keyword tollgateItem module import as param type enum fn builtin except secret test
syntax keyword tollgateClause for let where when unless message until because
syntax keyword tollgateTest expect denies warns passes with times
syntax keyword tollgateOperatorWord and or not in matches glob
syntax keyword tollgateBoolean true false
syntax keyword tollgateNone none
syntax keyword tollgateImage image
syntax keyword tollgateType bool int float string version date duration time list set map
syntax match tollgateAggregate /\<\(count\|any\|all\|sum\|min\|max\)\>\ze\s*(/

" Names: rule names after an action, enum-like PascalCase names, attributes, functions.
syntax match tollgateRuleName /\%(\<\%(deny\|warn\|info\|except\)\s\+\)\@<=[A-Za-z_][A-Za-z0-9_.]*/
syntax match tollgatePascal /\<[A-Z][A-Za-z0-9_]*\>/
syntax match tollgateAttribute /@[A-Za-z_][A-Za-z0-9_]*/
syntax match tollgateCall /\<[a-z_][A-Za-z0-9_]*\ze\s*(/ contains=tollgateAggregate
" After tollgateCall: at the same column, the group defined last wins.
syntax match tollgateFnName /\%(\<fn\s\+\)\@<=[A-Za-z_][A-Za-z0-9_]*/

" Literals: dates and durations before plain numbers.
syntax match tollgateNumber /\<\d[0-9_]*\>/
syntax match tollgateFloat /\<\d[0-9_]*\.\d[0-9_]*\([eE][-+]\?\d\+\)\?\>/
syntax match tollgateDuration /\<\(\d\+[wdhms]\)\+\>/
syntax match tollgateDate /\<\d\{4}-\d\{2}-\d\{2}\>/

" Operators.
syntax match tollgateOperator /??\|?\.\|==\|!=\|<=\|>=\|->\|[<>+\-*\/%=?]/

" Strings: escapes, `{{`/`}}`, `{expr}` interpolation; raw strings (regexes) take nothing in.
syntax region tollgateString start=/"/ skip=/\\\\\|\\"/ end=/"/ contains=tollgateEscape,tollgateBraceEscape,tollgateInterpolation,@Spell
syntax match tollgateEscape /\\\([nrt0"\\]\|u{\x\{1,6}}\)/ contained
syntax match tollgateBraceEscape /{{\|}}/ contained
syntax region tollgateInterpolation matchgroup=tollgateInterpolationDelim start=/{\ze[^{]/ end=/}/ contained contains=TOP,tollgateString
syntax region tollgateRawString start=/\<r\z(#*\)"/ end=/"\z1/

" Comments: `//!` module docs, `///` item docs (not `////`), `//` plain.
syntax keyword tollgateTodo TODO FIXME XXX NOTE contained
syntax match tollgateComment /\/\/.*$/ contains=tollgateTodo,@Spell
syntax match tollgateDocComment /\/\/\/\%(\/\)\@!.*$/ contains=tollgateTodo,tollgateDocCode,@Spell
syntax match tollgateModuleDoc /\/\/!.*$/ contains=tollgateTodo,tollgateDocCode,@Spell
syntax match tollgateDocCode /`[^`]*`/ contained

highlight default link tollgateRuleAction Keyword
highlight default link tollgateItem Keyword
highlight default link tollgateClause Keyword
highlight default link tollgateTest Keyword
highlight default link tollgateOperatorWord Operator
highlight default link tollgateBoolean Boolean
highlight default link tollgateNone Constant
highlight default link tollgateImage Identifier
highlight default link tollgateType Type
highlight default link tollgateAggregate Function
highlight default link tollgateRuleName Function
highlight default link tollgateFnName Function
highlight default link tollgateCall Function
highlight default link tollgatePascal Type
highlight default link tollgateAttribute PreProc
highlight default link tollgateNumber Number
highlight default link tollgateFloat Float
highlight default link tollgateDuration Number
highlight default link tollgateDate Number
highlight default link tollgateOperator Operator
highlight default link tollgateString String
highlight default link tollgateEscape SpecialChar
highlight default link tollgateBraceEscape SpecialChar
highlight default link tollgateInterpolationDelim Delimiter
highlight default link tollgateRawString String
highlight default link tollgateTodo Todo
highlight default link tollgateComment Comment
highlight default link tollgateDocComment SpecialComment
highlight default link tollgateModuleDoc SpecialComment
highlight default link tollgateDocCode SpecialComment

let b:current_syntax = 'tollgate'
